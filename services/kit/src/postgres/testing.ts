import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectPostgres, type Sql } from "./connect.ts";
import { startEmbeddedPostgres } from "./embedded.ts";
import { migrate } from "./migrate.ts";

export interface TestPostgres {
  url: string;
  /** A pool on the test database, closed by stop(). */
  sql: Sql;
  stop(): Promise<void>;
}

/**
 * A real, throw-away PostgreSQL for one test file: a fresh cluster in a temp
 * directory, a free port, test-only `fast` flags, the schema migrated.
 * `stop()` shuts it down and deletes the directory.
 */
export async function startTestPostgres(
  options: {
    migrate?: boolean;
    /** Without the test-only `fast` flags: fsync and synchronous commits as `just dev` has them. */
    durable?: boolean;
  } = {},
): Promise<TestPostgres> {
  const root = await mkdtemp(join(tmpdir(), "jts-test-pg-"));
  // mkdtemp makes 0700 directories; the server's OS user must get through.
  await chmod(root, 0o755);
  try {
    const server = await startOnFreePort(join(root, "data"), !options.durable);
    const sql = connectPostgres(server.url, { max: 10, applicationName: "jts-test" });
    if (options.migrate ?? true) await migrate(sql);
    return {
      url: server.url,
      sql,
      stop: async () => {
        await sql.end({ timeout: 5 });
        await server.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/** Empties every table but schema_migrations, between tests. */
export async function truncateAll(sql: Sql): Promise<void> {
  const rows = await sql<{ name: string }[]>`
    SELECT quote_ident(tablename) AS name FROM pg_tables
    WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`;
  if (rows.length === 0) return;
  await sql.unsafe(`TRUNCATE ${rows.map((r) => r.name).join(", ")} RESTART IDENTITY CASCADE`);
}

async function startOnFreePort(dataDir: string, fast: boolean) {
  let lastError: unknown;
  // Another process can take the port between the probe and the bind.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startEmbeddedPostgres({ dataDir, port: freePort(), fast });
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}
