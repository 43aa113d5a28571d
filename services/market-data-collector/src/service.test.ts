import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type Candle, EventTypes, Subjects, type Tick, Topics } from "@jts/contracts";
import { envelope, memoryRuntime } from "@jts/kit";
import { ClickHouseTickStore, createTestTimeSeries, ensureSchema } from "@jts/kit/clickhouse";
import { eventually, readJson, silentLogger } from "@jts/kit/testing";
import { createMarketDataService } from "./service.ts";

const MIN = 60_000_000_000n;
/** 2026-11-02T09:00:00Z. */
const T0 = BigInt(Date.UTC(2026, 10, 2, 9)) * 1_000_000n;
const at = (minute: number, second: number) => T0 + BigInt(minute) * MIN + BigInt(second) * 1_000_000_000n;

let seq = 0;
const tick = (symbol: string, minute: number, second: number, price: string, quantity = "1"): Tick => ({
  symbol,
  venue: "sim",
  price,
  quantity,
  aggressor: "BUY",
  tradeId: `s${++seq}`,
  tsEvent: at(minute, second).toString(),
});

const quiet = () => memoryRuntime(silentLogger);
const publishTick = (runtime: ReturnType<typeof memoryRuntime>, t: Tick) =>
  runtime.bus.publish(Topics.tick(t.venue, t.symbol), envelope(EventTypes.tick, "test", t.symbol, t, t.tsEvent));
const getCandles = (service: ReturnType<typeof createMarketDataService>, query: string) =>
  service.app.handle(new Request(`http://localhost/candles?${query}`));

const ts = createTestTimeSeries();
beforeAll(() => ensureSchema(ts.client, { database: ts.database }));
afterAll(() => ts.close());

describe("market data service", () => {
  it("serves candles from memory when no history store is given", async () => {
    const runtime = quiet();
    const service = createMarketDataService(runtime);
    await service.start();
    await publishTick(runtime, tick("005930", 0, 1, "71000"));
    await eventually(async () =>
      expect(await readJson(await getCandles(service, "symbol=005930"))).toMatchObject([{ open: "71000" }]),
    );
    await service.stop();
  });

  it("hands a bar strategy the closed candle before the next bar's later ticks (candles are on the order path)", async () => {
    const runtime = quiet();
    const service = createMarketDataService(runtime);
    const seen: string[] = [];
    // A strategy on the order path, as the strategy engine subscribes: ticks and closed candles.
    await runtime.bus.subscribe(Topics.allTicks, (e) => {
      seen.push(`tick ${(e.payload as Tick).price}`);
    });
    await runtime.bus.subscribe(Topics.allCandles, (e) => {
      const candle = e.payload as Candle;
      if (candle.closed) seen.push(`closed ${candle.close}`);
    });
    await service.start();
    await publishTick(runtime, tick("005930", 0, 1, "71000"));
    await eventually(() => expect(seen).toEqual(["tick 71000"]));
    // Three ticks of the next bar within one event-loop turn (a busy feed's burst, no macrotask in
    // between); the first closes bar 0. The close must not wait for the turn's end (setImmediate).
    await publishTick(runtime, tick("005930", 1, 1, "71100"));
    for (let hop = 0; hop < 20; hop++) await Promise.resolve();
    await publishTick(runtime, tick("005930", 1, 2, "71200"));
    await publishTick(runtime, tick("005930", 1, 3, "71300"));
    await eventually(() => expect(seen).toHaveLength(5));
    expect(seen).toEqual(["tick 71000", "tick 71100", "closed 71000", "tick 71200", "tick 71300"]);
    await service.stop();
  });

  it("conflates live candles and the shared last price to one per window, the latest always last", async () => {
    const runtime = quiet();
    const service = createMarketDataService(runtime, { liveIntervalMs: 40 });
    const live: Candle[] = [];
    await runtime.bus.subscribe(Topics.allCandles, (e) => {
      live.push(e.payload as Candle);
    });
    await service.start();
    for (let second = 0; second < 20; second++)
      await publishTick(runtime, tick("005930", 0, second, `${71000 + second}`));
    // The bar's first tick goes out at once; the other 19 collapse into the update at the window's end.
    await eventually(() => expect(live.at(-1)).toMatchObject({ close: "71019", trades: 20, closed: false }));
    expect(live[0]).toMatchObject({ close: "71000", trades: 1 });
    expect(live.length).toBeLessThanOrEqual(3);
    expect(JSON.parse((await runtime.cache.get("md:last:005930")) ?? "null")).toMatchObject({ price: "71019" });
    // A new minute publishes the closed bar and the new one's first tick without waiting.
    await publishTick(runtime, tick("005930", 1, 0, "72000"));
    await eventually(() => expect(live.at(-1)).toMatchObject({ open: "72000", trades: 1, closed: false }));
    expect(live.at(-2)).toMatchObject({ close: "71019", closed: true });
    await service.stop();
  });

  it("on ClickHouse, serves /candles and md.candles from the store and still publishes live candles", async () => {
    const runtime = quiet();
    const store = new ClickHouseTickStore(ts.client, { database: ts.database, writer: { flushIntervalMs: 20 } });
    const service = createMarketDataService(runtime, { history: store });
    const live: Candle[] = [];
    await runtime.bus.subscribe(Topics.allCandles, (e) => {
      live.push(e.payload as Candle);
    });
    await service.start();
    for (const t of [
      tick("BTC-KRW", 0, 1, "95000000", "0.1"),
      tick("BTC-KRW", 0, 30, "95100000", "0.2"),
      tick("BTC-KRW", 0, 59, "94900000", "0.05"),
      tick("BTC-KRW", 6, 0, "95200000", "1"),
    ])
      await publishTick(runtime, t);

    await eventually(async () => {
      const response = await getCandles(service, "symbol=BTC-KRW&interval=1m");
      expect(response.status).toBe(200);
      expect(await readJson(response)).toEqual([
        {
          symbol: "BTC-KRW",
          venue: "sim",
          interval: "1m",
          tsOpen: at(0, 0).toString(),
          open: "95000000",
          high: "95100000",
          low: "94900000",
          close: "94900000",
          volume: "0.35",
          trades: 3,
          closed: true,
        },
        {
          symbol: "BTC-KRW",
          venue: "sim",
          interval: "1m",
          tsOpen: at(6, 0).toString(),
          open: "95200000",
          high: "95200000",
          low: "95200000",
          close: "95200000",
          volume: "1",
          trades: 1,
          closed: false,
        },
      ]);
    });
    const fiveMinute = await runtime.rpc.request<Candle[]>(Subjects.candles, {
      symbol: "BTC-KRW",
      interval: "5m",
      to: at(4, 0).toString(),
    });
    expect(fiveMinute).toMatchObject([
      { interval: "5m", tsOpen: at(0, 0).toString(), close: "94900000", closed: true },
    ]);
    expect((await getCandles(service, "symbol=NOPE-KRW")).status).toBe(404);

    await eventually(() => expect(live.filter((c) => c.closed).map((c) => c.close)).toEqual(["94900000"]));
    expect(live.at(-1)).toMatchObject({ tsOpen: at(6, 0).toString(), closed: false });
    await service.stop();
  });

  it("on ClickHouse, writes the ticks it still buffers when it stops", async () => {
    const runtime = quiet();
    const store = new ClickHouseTickStore(ts.client, { database: ts.database, writer: { flushIntervalMs: 60_000 } });
    const service = createMarketDataService(runtime, { history: store });
    await service.start();
    await publishTick(runtime, tick("ETH-KRW", 0, 5, "5000000", "2"));
    await eventually(() => expect(service.prices.get("ETH-KRW")?.price).toBe("5000000"));
    expect(store.stats().ticks).toMatchObject({ bufferedRows: 1, rowsWritten: 0 });
    await service.stop();
    expect(store.stats().ticks).toMatchObject({ bufferedRows: 0, rowsWritten: 1 });
    const reader = new ClickHouseTickStore(ts.client, { database: ts.database });
    expect(await reader.candles({ symbol: "ETH-KRW" })).toMatchObject([{ open: "5000000", volume: "2" }]);
    await reader.close();
  });
});
