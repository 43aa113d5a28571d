import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import net from "node:net";
import postgres from "postgres";
import type { Sql } from "./connect.ts";
import { startTestPostgres, type TestPostgres } from "./testing.ts";

// patches/postgres@3.4.9.patch. (1) A plain BEGIN leaves in the same write as
// the transaction's first statement instead of waiting for its own answer: these
// tests pin what that must keep (one transaction per begin, nothing of another
// query inside it, failures that roll back) and the round trip saved. (2) A
// connection the server closes: its transaction fails, no statement of it runs
// on the connection that replaces it, and the next query is not failed with the
// old session's error (before: a TypeError from a timer, which ends a process).

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres({ migrate: false });
});
afterAll(async () => {
  await pg.stop();
});

/** A pool whose sockets count the writes they make. */
function countingPool(max: number): { sql: Sql; writes: () => number } {
  const url = new URL(pg.url);
  let writes = 0;
  // `socket` (a factory for the connection's socket) is a postgres.js option its types leave out.
  const options = {
    max,
    onnotice: () => {},
    socket: () => {
      const socket = net.connect(Number(url.port), url.hostname);
      const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
      socket.write = ((...args: unknown[]) => {
        writes++;
        return write(...args);
      }) as typeof socket.write;
      return socket;
    },
  };
  const sql = postgres(pg.url, options as postgres.Options<Record<string, never>>);
  return { sql, writes: () => writes };
}

describe("postgres.js as patched", () => {
  it("costs one write less: BEGIN and the first statement together, then COMMIT", async () => {
    const { sql, writes } = countingPool(1);
    try {
      await sql`SELECT 1`; // connect and learn the types first
      const before = writes();
      const [row] = await sql.begin((tx) => tx`SELECT txid_current() AS xid`);
      expect(row?.xid).toBeDefined();
      expect(writes() - before).toBe(2);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

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
    const { sql } = countingPool(1);
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
    const { sql } = countingPool(1);
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

  it("still waits for a BEGIN with options (isolation level) and honours them", async () => {
    const [row] = await pg.sql.begin(
      "isolation level repeatable read",
      (tx) => tx<{ level: string }[]>`SELECT current_setting('transaction_isolation') AS level`,
    );
    expect(row?.level).toBe("repeatable read");
  });

  it("keeps many concurrent transactions on a small pool each in its own transaction", async () => {
    const { sql } = countingPool(2);
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
    const { sql } = countingPool(1);
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
    const { sql } = countingPool(1);
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
});
