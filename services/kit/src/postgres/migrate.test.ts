import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { connectPostgres, type Sql } from "./connect.ts";
import { loadMigrations, type Migration, MigrationError, migrate } from "./migrate.ts";
import { startTestPostgres, type TestPostgres } from "./testing.ts";

let pg: TestPostgres;
const pools: Sql[] = [];

beforeAll(async () => {
  pg = await startTestPostgres({ migrate: false });
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end({ timeout: 1 })));
  await pg.stop();
});

let databases = 0;
/** A pool on a new empty database, so each test starts without a schema. */
async function freshDatabase(): Promise<Sql> {
  const name = `m${++databases}`;
  await pg.sql.unsafe(`CREATE DATABASE ${name}`);
  const sql = connectPostgres(pg.url.replace(/\/jts$/, `/${name}`), { max: 4 });
  pools.push(sql);
  return sql;
}

const migration = (version: number, name: string, sql: string): Migration => ({
  version,
  name,
  sql,
  checksum: new Bun.CryptoHasher("sha256").update(sql).digest("hex"),
});

describe("migrations", () => {
  it("applies the repository's migrations in order and records version, name and checksum", async () => {
    const sql = await freshDatabase();
    const files = await loadMigrations();
    const names = files.map((m) => m.name);
    // Unique and increasing; gaps are allowed (parallel work numbers its migrations from 010 up).
    const versions = files.map((m) => m.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    expect(versions.slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(names.slice(0, 5)).toEqual(["identity", "trading", "audit_log", "messaging", "documents"]);
    const result = await migrate(sql);
    expect(result.applied.map((m) => m.name)).toEqual(names);
    expect(result.version).toBe(versions[versions.length - 1] as number);
    const rows = await sql`SELECT version, name, checksum FROM schema_migrations ORDER BY version`;
    expect(rows.map((r) => [r.version, r.name, r.checksum])).toEqual(files.map((m) => [m.version, m.name, m.checksum]));
    const tables = await sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`;
    expect(tables.map((t) => t.tablename)).toEqual([
      "accounts",
      "audit_log",
      "balances",
      "documents",
      "equity_snapshots",
      "fills",
      "orders",
      "outbox",
      "positions",
      "processed_events",
      "schema_migrations",
      "users",
    ]);
  });

  it("does nothing when every migration is applied", async () => {
    const sql = await freshDatabase();
    const { version } = await migrate(sql);
    expect(await migrate(sql)).toEqual({ applied: [], version });
  });

  it("applies only the new migration on the next start", async () => {
    const sql = await freshDatabase();
    const one = migration(1, "one", "CREATE TABLE a (id INT)");
    await migrate(sql, [one]);
    const result = await migrate(sql, [one, migration(2, "two", "CREATE TABLE b (id INT)")]);
    expect(result.applied.map((m) => m.version)).toEqual([2]);
  });

  it("refuses to run when an applied migration's file changed", async () => {
    const sql = await freshDatabase();
    await migrate(sql, [migration(1, "one", "CREATE TABLE a (id INT)")]);
    const edited = [migration(1, "one", "CREATE TABLE a (id BIGINT)"), migration(2, "two", "CREATE TABLE b (id INT)")];
    const error = await migrate(sql, edited).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain("1_one was changed after it was applied");
    expect(await sql`SELECT to_regclass('b') AS b`).toEqual([{ b: null }] as never);
  });

  it("refuses a new migration numbered below an applied one", async () => {
    const sql = await freshDatabase();
    await migrate(sql, [migration(2, "two", "CREATE TABLE b (id INT)")]);
    const error = await migrate(sql, [
      migration(1, "late", "CREATE TABLE a (id INT)"),
      migration(2, "two", "CREATE TABLE b (id INT)"),
    ]).catch((e: unknown) => e);
    expect((error as Error).message).toContain("older than the applied version 2");
  });

  it("rolls back the whole run when one migration fails", async () => {
    const sql = await freshDatabase();
    const error = await migrate(sql, [
      migration(1, "good", "CREATE TABLE a (id INT)"),
      migration(2, "bad", "CREATE TABLE b (id NO_SUCH_TYPE)"),
    ]).catch((e: unknown) => e);
    expect((error as Error).message).toContain("migration 2_bad failed");
    expect(await sql`SELECT to_regclass('a') AS a`).toEqual([{ a: null }] as never);
    expect(await sql`SELECT to_regclass('schema_migrations') AS t`).toEqual([{ t: null }] as never);
  });

  it("lets concurrent starters apply each migration exactly once", async () => {
    const sql = await freshDatabase();
    const other = connectPostgres(pg.url.replace(/\/jts$/, `/m${databases}`), { max: 2 });
    pools.push(other);
    const results = await Promise.all([migrate(sql), migrate(other), migrate(sql)]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, (await loadMigrations()).length]);
  });
});

describe("schema", () => {
  let sql: Sql;
  beforeAll(async () => {
    sql = await freshDatabase();
    await migrate(sql);
  });

  const order = (overrides: Record<string, unknown> = {}) => ({
    id: `o-${Math.random()}`,
    client_order_id: "c1",
    account: "acc",
    venue: "sim",
    symbol: "005930",
    side: "BUY",
    type: "LIMIT",
    time_in_force: "GTC",
    quantity: "0.000000001",
    price: "12345678901234567890.123456789",
    status: "NEW",
    created_at: "1764236400000000000",
    updated_at: "1764236400000000000",
    ...overrides,
  });

  it("keeps money exact to 9 decimals and nanosecond timestamps whole", async () => {
    await sql`INSERT INTO orders ${sql(order({ id: "exact" }))}`;
    const [row] = await sql`SELECT quantity, price, created_at FROM orders WHERE id = 'exact'`;
    expect(row).toEqual({
      quantity: "0.000000001",
      price: "12345678901234567890.123456789",
      created_at: "1764236400000000000",
    });
  });

  it("allows one order per account and clientOrderId", async () => {
    await sql`INSERT INTO orders ${sql(order({ client_order_id: "dup" }))}`;
    const error = await sql`INSERT INTO orders ${sql(order({ client_order_id: "dup" }))}`.catch((e: unknown) => e);
    expect((error as { constraint_name?: string }).constraint_name).toBe("orders_account_client_order_id");
    await sql`INSERT INTO orders ${sql(order({ client_order_id: "dup", account: "other" }))}`;
  });

  it("refuses an unknown order status and a non-positive quantity", async () => {
    await expect(sql`INSERT INTO orders ${sql(order({ client_order_id: "s", status: "LOST" }))}`).rejects.toThrow(
      "orders_status_check",
    );
    await expect(sql`INSERT INTO orders ${sql(order({ client_order_id: "q", quantity: "0" }))}`).rejects.toThrow(
      "orders_quantity_check",
    );
  });

  it("keeps the audit log append-only", async () => {
    await sql`
      INSERT INTO audit_log (actor, action, target, source_ip, details)
      VALUES ('alice', 'order.submit', 'o1', '10.0.0.7', ${sql.json({ clientOrderId: "c1" })})`;
    const [entry] = await sql`SELECT actor, action, host(source_ip) AS ip, details, ts > 0 AS stamped FROM audit_log`;
    expect(entry).toEqual({
      actor: "alice",
      action: "order.submit",
      ip: "10.0.0.7",
      details: { clientOrderId: "c1" },
      stamped: true,
    });
    await expect(sql`UPDATE audit_log SET actor = 'mallory'`).rejects.toThrow("append-only");
    await expect(sql`DELETE FROM audit_log`).rejects.toThrow("append-only");
  });

  it("derives a balance's free amount from total and locked", async () => {
    await sql`INSERT INTO users (username, password_hash, role) VALUES ('alice', 'x', 'trader')`;
    await sql`INSERT INTO accounts (id, owner, venue, kind, base_currency) VALUES ('a1', 'alice', 'sim', 'CASH', 'KRW')`;
    await sql`INSERT INTO balances (account, currency, total, locked) VALUES ('a1', 'KRW', '1000.5', '200.25')`;
    expect(await sql`SELECT free FROM balances`).toEqual([{ free: "800.250000000" }] as never);
  });
});
