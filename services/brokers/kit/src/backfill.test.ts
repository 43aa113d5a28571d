import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Candle } from "@jts/contracts";
import { ClickHouseTickStore, createTestTimeSeries, ensureSchema, type TestTimeSeries } from "@jts/kit/clickhouse";
import { type CandleSource, clickHouseCandleSink, progressLine, runBackfill } from "./backfill.ts";

const MINUTE = 60_000;
const START = Date.parse("2026-11-01T00:00:00Z");

const candle = (openMs: number, price: string): Candle => ({
  symbol: "BTC-USDT",
  venue: "binance",
  interval: "1m",
  tsOpen: `${openMs}000000`,
  open: price,
  high: price,
  low: price,
  close: price,
  volume: "2",
  trades: 3,
  closed: true,
});

/** A source of one candle a minute whose pages can be made to fail. */
function source(failAfterCalls = Number.POSITIVE_INFINITY): CandleSource & { calls: number } {
  return {
    venue: "binance",
    intervalMs: MINUTE,
    pageSpanMs: 10 * MINUTE,
    calls: 0,
    async fetch(fromMs, toMs) {
      if (++this.calls > failAfterCalls) throw new Error("venue went away");
      const out: Candle[] = [];
      for (let t = fromMs; t < toMs; t += MINUTE) out.push(candle(t, String(100 + (t - START) / MINUTE)));
      return out;
    },
  };
}

describe("backfill", () => {
  let ts: TestTimeSeries;
  let dir: string;
  beforeEach(async () => {
    ts = createTestTimeSeries();
    await ensureSchema(ts.client, { database: ts.database });
    dir = mkdtempSync(join(tmpdir(), "jts-backfill-"));
  });
  afterEach(async () => {
    await ts.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (src: CandleSource, toMinutes = 45) =>
    runBackfill({
      source: src,
      sink: clickHouseCandleSink(ts.client, ts.database),
      symbol: "BTC-USDT",
      interval: "1m",
      fromMs: START,
      toMs: START + toMinutes * MINUTE,
      checkpointPath: join(dir, "cp.json"),
    });

  it("loads every page into candles_1m, readable as 1m and rolled up", async () => {
    const done = await run(source());
    expect(done.candles).toBe(45);
    const store = new ClickHouseTickStore(ts.client, { database: ts.database });
    const minutes = await store.candles({ symbol: "BTC-USDT", interval: "1m", limit: 100 });
    expect(minutes).toHaveLength(45);
    expect(minutes[0]).toMatchObject({ open: "100", close: "100", volume: "2", trades: 3, venue: "binance" });
    const fives = await store.candles({ symbol: "BTC-USDT", interval: "5m", limit: 100 });
    expect(fives[0]).toMatchObject({ open: "100", high: "104", low: "100", close: "104", volume: "10", trades: 15 });
  });

  it("resumes after a failure from the checkpoint without writing a page twice", async () => {
    await expect(run(source(2))).rejects.toThrow("venue went away");
    const resumed = source();
    const done = await run(resumed);
    expect(done.candles).toBe(45);
    expect(resumed.calls).toBe(3); // pages 3..5 of 5
    const store = new ClickHouseTickStore(ts.client, { database: ts.database });
    const all = await store.candles({ symbol: "BTC-USDT", interval: "1h", limit: 10 });
    expect(all[0]?.volume).toBe("90");
    // A finished range is not fetched again.
    const again = source();
    await run(again);
    expect(again.calls).toBe(0);
  });

  it("draws a progress bar", () => {
    expect(
      progressLine(
        { venue: "v", symbol: "s", interval: "1m", fromMs: 0, toMs: 100, doneUntilMs: 50, candles: 1234 },
        10,
      ),
    ).toStartWith("[#####.....]  50.0%  1,234 candles");
  });
});
