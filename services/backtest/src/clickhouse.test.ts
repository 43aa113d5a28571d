import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Tick } from "@jts/contracts";
import { ClickHouseTickStore, createTestTimeSeries, ensureSchema } from "@jts/kit/clickhouse";
import { runBacktest } from "./backtest.ts";
import { loadCandles } from "./clickhouse.ts";

// ClickHouse at CLICKHOUSE_URL when set, else chdb in a temp directory: both run here.
const ts = createTestTimeSeries();
const store = () => new ClickHouseTickStore(ts.client, { database: ts.database, writer: { flushIntervalMs: 60_000 } });
beforeAll(() => ensureSchema(ts.client, { database: ts.database, retentionDays: 0 }));
afterAll(() => ts.close());

const MIN = 60_000_000_000n;
const DAY0 = BigInt(Date.UTC(2026, 10, 2)) * 1_000_000n;

describe("backtest from the market-data history", () => {
  it("pages stored 1m candles oldest first, closed ones only, and replays them", async () => {
    const writer = store();
    const prices = [105, 104, 103, 102, 103, 104, 105, 106, 105, 104, 103, 102];
    prices.forEach((price, minute) => {
      // Each test file has a database of its own, so a real symbol does not meet other tests' rows.
      const tick: Tick = {
        symbol: "BTC-KRW",
        venue: "sim",
        price: String(price * 1_000_000),
        quantity: "1",
        aggressor: "BUY",
        tradeId: `h${minute}`,
        tsEvent: String(DAY0 + BigInt(minute) * MIN + 1_000_000_000n),
      };
      writer.writeTick(tick);
    });
    await writer.close();

    const reader = store();
    const events = await loadCandles(reader, { symbol: "BTC-KRW", interval: "1m" }, 5);
    await reader.close();
    // The newest minute is still open, so it is left out.
    expect(events.map((e) => (e.kind === "candle" ? Number(e.candle.close) / 1_000_000 : 0))).toEqual(
      prices.slice(0, -1),
    );
    expect(events.map((e) => (e.kind === "candle" ? BigInt(e.candle.tsOpen) : 0n))).toEqual(
      prices.slice(0, -1).map((_, minute) => DAY0 + BigInt(minute) * MIN),
    );

    const result = await runBacktest({
      strategy: {
        id: "hist",
        kind: "ma-crossover",
        account: "backtest",
        symbol: "BTC-KRW",
        venue: "sim",
        timeframe: "1m",
        params: { fastPeriod: 2, slowPeriod: 3, quantity: "0.01" },
        enabled: true,
      },
      events,
    });
    expect(result.events).toBe(11);
    // Down, up, down: one round trip, bought on the way up and sold on the way down.
    expect(result.fills.map((f) => f.side)).toEqual(["BUY", "SELL"]);
  }, 60_000);
});
