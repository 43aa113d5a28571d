import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Sql } from "./connect.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** sha256 of the file, hex. */
  checksum: string;
}

export interface MigrateResult {
  /** Applied by this call, in order. */
  applied: Migration[];
  /** Highest version now in the database (0 for none). */
  version: number;
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

export const MIGRATIONS_DIR = join(import.meta.dir, "migrations");
const FILE_NAME = /^(\d+)_([a-z0-9_]+)\.sql$/;
// Any constant works; hashing a name keeps it readable in pg_locks.
const LOCK = "jts.schema_migrations";

/** Reads `NNN_name.sql` files in version order. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of await readdir(dir)) {
    if (!file.endsWith(".sql")) continue;
    const match = FILE_NAME.exec(file);
    if (!match) throw new MigrationError(`${file}: migration files are named NNN_name.sql`);
    const sql = await Bun.file(join(dir, file)).text();
    migrations.push({
      version: Number(match[1]),
      name: match[2] as string,
      sql,
      checksum: new Bun.CryptoHasher("sha256").update(sql).digest("hex"),
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]?.version === migrations[i - 1]?.version) {
      throw new MigrationError(`two migrations have version ${migrations[i]?.version}`);
    }
  }
  return migrations;
}

/**
 * Applies pending migrations, forward only. Everything runs in one
 * transaction under an advisory lock, so concurrent starters wait for one
 * another and a failing migration leaves the schema as it was. Refuses to run
 * when an applied migration's file changed (the database would no longer match
 * the code) or when a new migration sorts before an applied one (two branches
 * numbered alike). DDL that cannot run in a transaction (CREATE INDEX
 * CONCURRENTLY) does not belong in these files.
 */
export async function migrate(sql: Sql, migrations?: Migration[]): Promise<MigrateResult> {
  const all = migrations ?? (await loadMigrations());
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtextextended(${LOCK}, 0))`;
    await tx`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        checksum   TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`;
    const rows = await tx<{ version: number; name: string; checksum: string }[]>`
      SELECT version, name, checksum FROM schema_migrations ORDER BY version`;
    const known = new Map(all.map((m) => [m.version, m]));
    for (const row of rows) {
      const migration = known.get(row.version);
      if (migration && migration.checksum !== row.checksum) {
        throw new MigrationError(
          `migration ${row.version}_${row.name} was changed after it was applied; ` +
            "add a new migration instead of editing an applied one",
        );
      }
    }
    const latest = rows.at(-1)?.version ?? 0;
    const appliedVersions = new Set(rows.map((r) => r.version));
    const pending = all.filter((m) => !appliedVersions.has(m.version));
    const early = pending.find((m) => m.version < latest);
    if (early) {
      throw new MigrationError(
        `migration ${early.version}_${early.name} is older than the applied version ${latest}; renumber it`,
      );
    }
    for (const migration of pending) {
      try {
        await tx.unsafe(migration.sql);
      } catch (error) {
        throw new MigrationError(
          `migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      await tx`
        INSERT INTO schema_migrations (version, name, checksum)
        VALUES (${migration.version}, ${migration.name}, ${migration.checksum})`;
    }
    return { applied: pending, version: pending.at(-1)?.version ?? latest };
  });
}
