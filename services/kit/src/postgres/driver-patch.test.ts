import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import postgres from "postgres";
import type { Sql } from "./connect.ts";
import { startTestPostgres, type TestPostgres } from "./testing.ts";

// patches/postgres@3.4.9.patch: a connection the server closes fails its
// transaction, no statement of that transaction runs on the connection the pool
// opens in its place, and the next query is not failed with the closed
// session's error (before: a TypeError from a timer, which ends a process).
// The other cases pin what transactions must keep around it: one transaction
// per begin, nothing of another query inside it, failures that roll back.

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres({ migrate: false });
});
afterAll(async () => {
  await pg.stop();
});

/** A pool of its own, of `max` connections. */
function smallPool(max: number): { sql: Sql } {
  return { sql: postgres(pg.url, { max, onnotice: () => {} }) };
}

describe("postgres.js as patched", () => {
  it("runs every statement of the callback in one transaction", async () => {
    const xids = await pg.sql.begin(async (tx) => {
      const [a] = await tx<{ xid: string }[]>`SELECT txid_current()::text AS xid`;
      const [b] = await tx<{ xid: string }[]>`SELECT txid_current()::text AS xid`;
      return [a?.xid, b?.xid];
    });
    expect(xids[0]).toBeDefined();
    expect(xids[0]).toBe(xids[1]);
  });

  it("lets no other query of the pool into the transaction, even on a pool of one connection", async () => {
    const { sql } = smallPool(1);
    try {
      const transaction = sql.begin(async (tx) => {
        const [a] = await tx<{ xid: string }[]>`SELECT txid_current()::text AS xid`;
        await Bun.sleep(20);
        const [b] = await tx<{ xid: string }[]>`SELECT txid_current()::text AS xid`;
        return [a?.xid, b?.xid];
      });
      // Issued while the transaction runs: each must get its own transaction id, after the transaction's.
      const outside = await Promise.all(
        [1, 2, 3].map(() => sql<{ xid: string }[]>`SELECT txid_current()::text AS xid`.then((r) => r[0]?.xid)),
      );
      const [first, second] = await transaction;
      expect(first).toBe(second);
      for (const xid of outside) expect(xid).not.toBe(first);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it("rolls back when a statement fails, and the next transaction on the connection starts clean", async () => {
    const { sql } = smallPool(1);
    try {
      await sql`CREATE TABLE IF NOT EXISTS pipelined_begin (n int PRIMARY KEY)`;
      await sql`TRUNCATE pipelined_begin`;
      const failed = sql.begin(async (tx) => {
        await tx`INSERT INTO pipelined_begin VALUES (1)`;
        await tx`INSERT INTO pipelined_begin VALUES (1)`; // duplicate key
      });
      await expect(failed).rejects.toThrow(/duplicate key/);
      await sql.begin((tx) => tx`INSERT INTO pipelined_begin VALUES (2)`);
      const rows = await sql<{ n: number }[]>`SELECT n FROM pipelined_begin ORDER BY n`;
      expect(rows.map((r) => r.n)).toEqual([2]);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it("rolls back when the callback throws after its first statement", async () => {
    await pg.sql`CREATE TABLE IF NOT EXISTS pipelined_throw (n int)`;
    await pg.sql`TRUNCATE pipelined_throw`;
    const failed = pg.sql.begin(async (tx) => {
      await tx`INSERT INTO pipelined_throw VALUES (1)`;
      throw new Error("changed my mind");
    });
    await expect(failed).rejects.toThrow("changed my mind");
    const [row] = await pg.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pipelined_throw`;
    expect(row?.n).toBe(0);
  });

  it("honours the options of a BEGIN (isolation level)", async () => {
    const [row] = await pg.sql.begin(
      "isolation level repeatable read",
      (tx) => tx<{ level: string }[]>`SELECT current_setting('transaction_isolation') AS level`,
    );
    expect(row?.level).toBe("repeatable read");
  });

  it("keeps many concurrent transactions on a small pool each in its own transaction", async () => {
    const { sql } = smallPool(2);
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          sql.begin(async (tx) => {
            const [a] = await tx<{ xid: string }[]>`SELECT txid_current()::text AS xid`;
            if (i % 3 === 0) await Bun.sleep(1);
            const [b] = await tx<{ xid: string }[]>`SELECT txid_current()::text AS xid`;
            return [a?.xid, b?.xid] as const;
          }),
        ),
      );
      for (const [a, b] of results) expect(a).toBe(b);
      expect(new Set(results.map(([a]) => a)).size).toBe(40);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it("fails the transaction when the server ends its connection, and the pool goes on", async () => {
    const { sql } = smallPool(1);
    try {
      const failed = sql.begin(async (tx) => {
        await tx`SELECT pg_terminate_backend(pg_backend_pid())`;
      });
      await expect(failed).rejects.toThrow();
      const [row] = await sql<{ one: number }[]>`SELECT 1 AS one`;
      expect(row?.one).toBe(1);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it("runs no statement of a transaction whose connection was lost on the connection that replaced it", async () => {
    await pg.sql`CREATE TABLE IF NOT EXISTS pipelined_lost (n int)`;
    await pg.sql`TRUNCATE pipelined_lost`;
    const { sql } = smallPool(1);
    try {
      const failed = sql.begin(async (tx) => {
        // Queued behind the transaction: when its connection closes, the pool reconnects for this one.
        void sql`SELECT 1`.catch(() => undefined);
        await tx`SELECT pg_terminate_backend(pg_backend_pid())`.catch(() => undefined);
        await Bun.sleep(50);
        await tx`INSERT INTO pipelined_lost VALUES (1)`;
      });
      await expect(failed).rejects.toThrow();
      await Bun.sleep(50);
      const [row] = await pg.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pipelined_lost`;
      expect(row?.n).toBe(0);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it("binds a transaction to its connection when BEGIN goes out behind a full pipeline, and commits it", async () => {
    await pg.sql`CREATE TABLE IF NOT EXISTS pipelined_full (n int)`;
    await pg.sql`TRUNCATE pipelined_full`;
    const { sql } = smallPool(1);
    try {
      await sql`SELECT 1`;
      // postgres.js pipelines at most 100 queries on a connection: this BEGIN is the 101st.
      const filler = Array.from({ length: 100 }, () => sql`SELECT 1`.catch(() => 0));
      const committed = sql.begin((tx) => tx`INSERT INTO pipelined_full VALUES (1)`);
      const outcome = await Promise.race([committed.then(() => "committed"), Bun.sleep(3000).then(() => "hung")]);
      await Promise.all(filler);
      expect(outcome).toBe("committed");
      const [row] = await pg.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pipelined_full`;
      expect(row?.n).toBe(1);
      const idleInTransaction = await pg.sql`
        SELECT 1 FROM pg_stat_activity WHERE state = 'idle in transaction' AND pid <> pg_backend_pid()`;
      expect(idleInTransaction).toHaveLength(0);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});
