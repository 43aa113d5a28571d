import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { ClickHouseClient } from "@clickhouse/client";
import type { Fill, Tick } from "@jts/contracts";
import { fillFixture } from "../testing/fixtures.ts";
import { ensureSchema } from "./schema.ts";
import { createTestTimeSeries } from "./testing.ts";
import { ClickHouseTickStore } from "./tick-store.ts";

const ts = createTestTimeSeries();
/** A store on the shared test client; each test uses a symbol of its own. */
const store = (client: ClickHouseClient = ts.client) =>
  new ClickHouseTickStore(client, { database: ts.database, writer: { flushIntervalMs: 60_000 } });
const reader = store();
beforeAll(() => ensureSchema(ts.client, { database: ts.database, retentionDays: 0 }));
afterAll(async () => {
  await reader.close();
  await ts.close();
});

const SEC = 1_000_000_000n;
const MIN = 60n * SEC;
/** 2026-11-02T00:00:00Z: a day boundary, so 1h and 1d buckets start here too. */
const DAY0 = BigInt(Date.UTC(2026, 10, 2)) * 1_000_000n;
const at = (minute: number, second = 0) => DAY0 + BigInt(minute) * MIN + BigInt(second) * SEC;

let tradeSeq = 0;
function tick(symbol: string, minute: number, second: number, price: string, quantity = "1"): Tick {
  return {
    symbol,
    venue: "sim",
    price,
    quantity,
    aggressor: "BUY",
    tradeId: `t${++tradeSeq}`,
    tsEvent: at(minute, second).toString(),
  };
}

/** Writes the ticks through a store of their own and flushes them by closing it. */
async function written(...ticks: Tick[]) {
  const s = store();
  for (const t of ticks) s.writeTick(t);
  await s.close();
}

describe("ClickHouse tick store", () => {
  it("turns the ticks of a minute into one exact 1m OHLCV bar", async () => {
    await written(
      tick("005930", 0, 1, "71000", "3"),
      tick("005930", 0, 20, "71500"),
      tick("005930", 0, 40, "70800"),
      tick("005930", 0, 59, "71100", "2"),
      tick("005930", 1, 0, "71200"),
    );
    const candles = await reader.candles({ symbol: "005930", interval: "1m" });
    expect(candles).toEqual([
      {
        symbol: "005930",
        venue: "sim",
        interval: "1m",
        tsOpen: at(0).toString(),
        open: "71000",
        high: "71500",
        low: "70800",
        close: "71100",
        volume: "7",
        trades: 4,
        closed: true,
      },
      {
        symbol: "005930",
        venue: "sim",
        interval: "1m",
        tsOpen: at(1).toString(),
        open: "71200",
        high: "71200",
        low: "71200",
        close: "71200",
        volume: "1",
        trades: 1,
        closed: false,
      },
    ]);
  });

  it("rolls 1m bars up to 5m, 1h and 1d", async () => {
    const ticks: Tick[] = [];
    for (let m = 0; m < 10; m++) ticks.push(tick("BTC-KRW", m, 0, String(71000 + m)));
    ticks.push(tick("BTC-KRW", 60, 0, "72000"), tick("BTC-KRW", 24 * 60 + 5, 0, "73000"));
    await written(...ticks);
    const five = await reader.candles({ symbol: "BTC-KRW", interval: "5m" });
    expect(five.map((c) => [c.tsOpen, c.open, c.high, c.low, c.close, c.volume, c.trades, c.closed])).toEqual([
      [at(0).toString(), "71000", "71004", "71000", "71004", "5", 5, true],
      [at(5).toString(), "71005", "71009", "71005", "71009", "5", 5, true],
      [at(60).toString(), "72000", "72000", "72000", "72000", "1", 1, true],
      [at(24 * 60 + 5).toString(), "73000", "73000", "73000", "73000", "1", 1, false],
    ]);
    const hours = await reader.candles({ symbol: "BTC-KRW", interval: "1h" });
    expect(hours.map((c) => [c.tsOpen, c.open, c.close, c.trades])).toEqual([
      [at(0).toString(), "71000", "71009", 10],
      [at(60).toString(), "72000", "72000", 1],
      [at(24 * 60).toString(), "73000", "73000", 1],
    ]);
    const days = await reader.candles({ symbol: "BTC-KRW", interval: "1d" });
    expect(days.map((c) => [c.tsOpen, c.open, c.high, c.low, c.close, c.volume, c.closed])).toEqual([
      [at(0).toString(), "71000", "72000", "71000", "72000", "11", true],
      [at(24 * 60).toString(), "73000", "73000", "73000", "73000", "1", false],
    ]);
  });

  it("filters on the open time with from and to inclusive and keeps the newest `limit` bars", async () => {
    const ticks: Tick[] = [];
    for (let m = 0; m < 10; m++) ticks.push(tick("ETH-KRW", m, 30, String(100 + m)));
    await written(...ticks);
    const closes = async (q: { from?: bigint; to?: bigint; limit?: number; interval?: "1m" | "5m" }) =>
      (
        await reader.candles({
          symbol: "ETH-KRW",
          interval: q.interval ?? "1m",
          from: q.from?.toString(),
          to: q.to?.toString(),
          limit: q.limit,
        })
      ).map((c) => c.close);
    expect(await closes({ from: at(5), to: at(6) })).toEqual(["105", "106"]);
    expect(await closes({ from: at(4, 1), to: at(6, 59) })).toEqual(["105", "106"]);
    expect(await closes({ from: at(7) })).toEqual(["107", "108", "109"]);
    expect(await closes({ to: at(1) })).toEqual(["100", "101"]);
    expect(await closes({ limit: 3 })).toEqual(["107", "108", "109"]);
    expect(await closes({ to: at(5), limit: 2 })).toEqual(["104", "105"]);
    expect(await closes({ interval: "5m", from: at(1) })).toEqual(["109"]);
    expect(await closes({ interval: "5m", to: at(4) })).toEqual(["104"]);
    expect(await closes({ from: at(6), to: at(5) })).toEqual([]);
  });

  it("adds decimals exactly: 0.1 + 0.2 is 0.3, and prints them without trailing zeros", async () => {
    await written(
      tick("XRP-KRW", 0, 1, "0.000000001", "0.1"),
      tick("XRP-KRW", 0, 2, "12345678901234567890.5", "0.2"),
      tick("XRP-KRW", 0, 3, "1.10", "0.000000001"),
    );
    const [bar] = await reader.candles({ symbol: "XRP-KRW" });
    expect(bar).toMatchObject({
      open: "0.000000001",
      high: "12345678901234567890.5",
      low: "0.000000001",
      close: "1.1",
      volume: "0.300000001",
    });
  });

  it("takes open and close by event time even when ticks arrive out of order over several inserts", async () => {
    const s = store();
    s.writeTick(tick("SOL-KRW", 0, 30, "200"));
    await s.flush();
    s.writeTick(tick("SOL-KRW", 0, 50, "300"));
    s.writeTick(tick("SOL-KRW", 0, 5, "100"));
    await s.flush();
    s.writeTick(tick("SOL-KRW", 0, 40, "50"));
    await s.close();
    expect(await reader.candles({ symbol: "SOL-KRW" })).toMatchObject([
      { open: "100", high: "300", low: "50", close: "300", volume: "4", trades: 4 },
    ]);
  });

  it("does not count a batch twice when ClickHouse stored it but the write was reported as failed", async () => {
    let failOnce = true;
    const flaky = {
      insert: async (params: Parameters<ClickHouseClient["insert"]>[0]) => {
        const result = await ts.client.insert(params);
        if (failOnce) {
          failOnce = false;
          throw new Error("socket hang up");
        }
        return result;
      },
      query: (params: Parameters<ClickHouseClient["query"]>[0]) => ts.client.query(params),
    } as unknown as ClickHouseClient;
    const s = store(flaky);
    s.writeTick(tick("ADA-KRW", 0, 1, "10", "1"));
    s.writeTick(tick("ADA-KRW", 0, 2, "11", "2"));
    await expect(s.flush()).rejects.toThrow("socket hang up");
    await s.close();
    expect(s.stats().ticks).toMatchObject({ failedFlushes: 1, rowsWritten: 2 });
    expect(await reader.candles({ symbol: "ADA-KRW" })).toMatchObject([{ volume: "3", trades: 2 }]);
  });

  it("answers no candles for a symbol it never saw", async () => {
    expect(await reader.candles({ symbol: "DOGE-KRW", interval: "1h" })).toEqual([]);
  });

  it("refuses a malformed tick when it is written rather than failing a batch later", () => {
    const s = store();
    expect(() => s.writeTick(tick("005380", 0, 0, "1e5"))).toThrow("not a decimal");
    expect(() => s.writeTick({ ...tick("005380", 0, 0, "1"), tsEvent: "99999999999999999999" })).toThrow(
      "out of range",
    );
    expect(s.stats().ticks.bufferedRows).toBe(0);
  });

  it("stores fills in executions with exact decimals", async () => {
    const fill: Fill = fillFixture({
      orderId: "o1",
      clientOrderId: "c1",
      price: "71000.5",
      quantity: "0.3",
      fee: "10.650075",
      tsEvent: at(3, 7).toString(),
    });
    const s = store();
    s.writeFill(fill);
    s.writeFill({ ...fill, id: "f2", strategyId: "ma-1", price: "71001" });
    // Text that the row format must escape, and a strategy literally named like the null marker.
    s.writeFill({ ...fill, id: "f3", clientOrderId: "a\tb\nc\\d\re\0f", strategyId: "\\N" });
    await s.close();
    const result = await ts.client.query({
      query: `SELECT id, client_order_id, toString(price) AS price, toString(quantity) AS quantity, toString(fee) AS fee, strategy_id,
                toString(toUnixTimestamp64Nano(ts)) AS ts
              FROM ${ts.database}.executions ORDER BY id`,
      format: "JSONEachRow",
    });
    expect(await result.json()).toEqual([
      {
        id: "f1",
        client_order_id: "c1",
        price: "71000.5",
        quantity: "0.3",
        fee: "10.650075",
        strategy_id: null,
        ts: fill.tsEvent,
      },
      {
        id: "f2",
        client_order_id: "c1",
        price: "71001",
        quantity: "0.3",
        fee: "10.650075",
        strategy_id: "ma-1",
        ts: fill.tsEvent,
      },
      {
        id: "f3",
        client_order_id: "a\tb\nc\\d\re\0f",
        price: "71000.5",
        quantity: "0.3",
        fee: "10.650075",
        strategy_id: "\\N",
        ts: fill.tsEvent,
      },
    ]);
  });
});
