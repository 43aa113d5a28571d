import { afterAll, describe, expect, it } from "bun:test";
import { currentTtlDays, ensureSchema, schemaStatements } from "./schema.ts";
import { createTestTimeSeries } from "./testing.ts";
import { ClickHouseTickStore } from "./tick-store.ts";

const ts = createTestTimeSeries();
afterAll(() => ts.close());

async function rows<T>(query: string): Promise<T[]> {
  const result = await ts.client.query({ query, format: "JSONEachRow" });
  return result.json<T>();
}

describe("time-series schema", () => {
  it("can be applied again and again without changing what exists", async () => {
    await ensureSchema(ts.client, { database: ts.database });
    const before = await rows(`SELECT name, create_table_query FROM system.tables WHERE database = '${ts.database}'`);
    await ensureSchema(ts.client, { database: ts.database });
    const after = await rows(`SELECT name, create_table_query FROM system.tables WHERE database = '${ts.database}'`);
    expect(after).toEqual(before);
    expect(after.map((t) => (t as { name: string }).name).sort()).toEqual([
      "candles_1m",
      "candles_1m_mv",
      "executions",
      "ticks",
    ]);
  });

  it("partitions ticks by day, orders them by symbol and time, and expires them after the retention", () => {
    const ticks = schemaStatements({ database: "jts", retentionDays: 7 }).find((s) => s.includes("jts.ticks ("));
    expect(ticks).toContain("PARTITION BY toDate(ts)");
    expect(ticks).toContain("ORDER BY (symbol, ts)");
    expect(ticks).toContain("TTL toDateTime(ts) + INTERVAL 7 DAY");
    expect(ticks).toContain("price Decimal128(9)");
  });

  it("applies a changed retention to tables that already exist, and 0 keeps ticks forever", async () => {
    await ensureSchema(ts.client, { database: ts.database, retentionDays: 30 });
    expect(await currentTtlDays(ts.client, ts.database, "ticks")).toBe(30);
    await ensureSchema(ts.client, { database: ts.database, retentionDays: 7, candleRetentionDays: 400 });
    expect(await currentTtlDays(ts.client, ts.database, "ticks")).toBe(7);
    expect(await currentTtlDays(ts.client, ts.database, "candles_1m")).toBe(400);
    await ensureSchema(ts.client, { database: ts.database, retentionDays: 0 });
    expect(await currentTtlDays(ts.client, ts.database, "ticks")).toBe(0);
    expect(await currentTtlDays(ts.client, ts.database, "candles_1m")).toBe(0);
  });

  it("drops ticks older than the retention while their candles stay", async () => {
    await ensureSchema(ts.client, { database: ts.database, retentionDays: 7 });
    const store = new ClickHouseTickStore(ts.client, { database: ts.database });
    const now = BigInt(Date.now()) * 1_000_000n;
    const old = now - 10n * 86_400n * 1_000_000_000n;
    for (const [i, t] of [old, now].entries())
      store.writeTick({
        symbol: "000660",
        venue: "sim",
        price: "180000",
        quantity: "1",
        aggressor: "SELL",
        tradeId: `r${i}`,
        tsEvent: t.toString(),
      });
    await store.close();
    await ts.client.command({ query: `OPTIMIZE TABLE ${ts.database}.ticks FINAL` });
    const left = await rows<{ n: string }>(
      `SELECT toString(count()) AS n FROM ${ts.database}.ticks WHERE symbol = '000660'`,
    );
    expect(left).toEqual([{ n: "1" }]);
    const reader = new ClickHouseTickStore(ts.client, { database: ts.database });
    expect(await reader.candles({ symbol: "000660", interval: "1d" })).toHaveLength(2);
    await reader.close();
  });

  it("refuses a database name that is not a plain identifier", () => {
    expect(() => schemaStatements({ database: "jts; DROP TABLE x" })).toThrow("not a database name");
  });
});
