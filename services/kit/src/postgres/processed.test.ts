import { afterAll, beforeAll, beforeEach, describe, expect, it } from "bun:test";
import { markProcessed, processOnce } from "./processed.ts";
import { startTestPostgres, type TestPostgres, truncateAll } from "./testing.ts";

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
  await pg.sql`CREATE TABLE counter (n INT NOT NULL)`;
});
afterAll(async () => {
  await pg.stop();
});
beforeEach(async () => {
  await truncateAll(pg.sql);
  await pg.sql`INSERT INTO counter VALUES (0)`;
});

const count = async () => (await pg.sql<{ n: number }[]>`SELECT n FROM counter`)[0]?.n;

describe("processed events", () => {
  it("runs a consumer's work once per event id", async () => {
    const work = () => processOnce(pg.sql, "portfolio", "e1", (tx) => tx`UPDATE counter SET n = n + 1`.then(() => {}));
    expect(await work()).toBe(true);
    expect(await work()).toBe(false);
    expect(await count()).toBe(1);
  });

  it("tracks each consumer separately", async () => {
    expect(await markProcessed(pg.sql, "portfolio", "e1")).toBe(true);
    expect(await markProcessed(pg.sql, "notification", "e1")).toBe(true);
    expect(await markProcessed(pg.sql, "portfolio", "e1")).toBe(false);
  });

  it("keeps a duplicate delivered at the same moment from doing the work twice", async () => {
    const work = () =>
      processOnce(pg.sql, "portfolio", "e2", async (tx) => {
        await tx`UPDATE counter SET n = n + 1`;
        await Bun.sleep(50);
      });
    const results = await Promise.all([work(), work(), work()]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await count()).toBe(1);
  });

  it("forgets the mark when the work fails, so the redelivery does it", async () => {
    const failing = processOnce(pg.sql, "portfolio", "e3", async (tx) => {
      await tx`UPDATE counter SET n = n + 1`;
      throw new Error("boom");
    });
    await expect(failing).rejects.toThrow("boom");
    expect(await count()).toBe(0);
    expect(await processOnce(pg.sql, "portfolio", "e3", (tx) => tx`UPDATE counter SET n = n + 1`.then(() => {}))).toBe(
      true,
    );
    expect(await count()).toBe(1);
  });
});
