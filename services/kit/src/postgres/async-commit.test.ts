import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { commitAsynchronously } from "./async-commit.ts";
import { connectPostgres, type Queryable, type Sql } from "./connect.ts";
import { startTestPostgres, type TestPostgres } from "./testing.ts";

// A durable server (synchronous commits by default) and a pool of one connection: whatever an
// asynchronous transaction left on its connection, the next query (an order's insert) would get.
let pg: TestPostgres;
let one: Sql;
beforeAll(async () => {
  pg = await startTestPostgres({ migrate: false, durable: true });
  one = connectPostgres(pg.url, { max: 1 });
});
afterAll(async () => {
  await one.end();
  await pg.stop();
});

const setting = async (q: Queryable) =>
  (await q<{ sync: string }[]>`SELECT current_setting('synchronous_commit') AS sync`)[0]?.sync;

describe("commitAsynchronously", () => {
  it("turns synchronous_commit off inside its transaction only, committed or rolled back", async () => {
    expect(await setting(one)).toBe("on");
    // Pipelined as saveEquity does (postgres.js runs each query when the array is awaited, in order).
    const [, inside] = await one.begin((tx) => [
      commitAsynchronously(tx),
      tx<{ sync: string }[]>`SELECT current_setting('synchronous_commit') AS sync`,
    ]);
    expect(inside[0]?.sync).toBe("off");
    expect(await setting(one)).toBe("on");

    const failed = one.begin((tx) => [commitAsynchronously(tx), tx`SELECT 1 / 0`]);
    await expect(failed).rejects.toThrow();
    expect(await setting(one)).toBe("on");

    const thrown = one.begin(async (tx) => {
      await commitAsynchronously(tx);
      throw new Error("the write failed");
    });
    await expect(thrown).rejects.toThrow("the write failed");
    expect(await setting(one)).toBe("on");
  });

  it("leaves a query queued behind the asynchronous transaction on the same connection synchronous", async () => {
    const slow = one.begin(async (tx) => {
      await commitAsynchronously(tx);
      await Bun.sleep(50);
      return setting(tx);
    });
    const queued = setting(one);
    expect(await slow).toBe("off");
    expect(await queued).toBe("on");
  });
});
