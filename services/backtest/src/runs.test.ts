import { describe, expect, it } from "bun:test";
import { type Candle, fx, type StrategyConfig, type Tick } from "@jts/contracts";
import { InstrumentCatalog } from "@jts/kit";
import { BacktestError, runBacktest } from "./backtest.ts";
import type { MarketEvent } from "./csv.ts";
import { computeMetrics, tripsOf } from "./metrics.ts";
import { generateSampleCandles } from "./sample.ts";
import { backtestStrategy } from "./testing.ts";

const MINUTE_NS = 60_000_000_000n;
const msToNs = (ms: number) => BigInt(ms) * 1_000_000n;
/** Tuesday 2025-03-11 10:00 KST and Saturday 2025-03-08 10:00 KST: a past date, in and out of KRX hours. */
const TUESDAY_10_KST = msToNs(Date.UTC(2025, 2, 11, 1, 0));
const SATURDAY_10_KST = msToNs(Date.UTC(2025, 2, 8, 1, 0));

/** fast 1 / slow 2 crosses on every turn of a zigzag: an order on (nearly) every event. */
const zigzag = (symbol: string, overrides: Partial<StrategyConfig> = {}): StrategyConfig => ({
  id: "bt",
  kind: "ma-crossover",
  account: "backtest",
  symbol,
  venue: "sim",
  timeframe: "tick",
  params: { fastPeriod: 1, slowPeriod: 2, quantity: "10" },
  enabled: true,
  ...overrides,
});

const ticks = (symbol: string, start: bigint, prices: string[], spacingNs = MINUTE_NS): MarketEvent[] =>
  prices.map((price, i) => {
    const tick: Tick = {
      symbol,
      venue: "sim",
      price,
      quantity: "1000",
      aggressor: "NONE",
      tradeId: `t${i}`,
      tsEvent: String(start + BigInt(i) * spacingNs),
    };
    return { kind: "tick", tick };
  });

const candles = (symbol: string, start: bigint, bars: Array<[string, string]>): MarketEvent[] =>
  bars.map(([open, close], i) => {
    const high = Number(open) > Number(close) ? open : close;
    const low = Number(open) > Number(close) ? close : open;
    const candle: Candle = {
      symbol,
      venue: "sim",
      interval: "1m",
      tsOpen: String(start + BigInt(i) * MINUTE_NS),
      open,
      high,
      low,
      close,
      volume: "1000",
      trades: 0,
      closed: true,
    };
    return { kind: "candle", candle };
  });

const PRICES = ["70000", "70100", "70000", "70100", "70000", "70100", "70000", "70100"];

describe("the backtest runs on the data's clock", () => {
  it("applies KRX hours by the data's time: a past Tuesday trades, a past Saturday is closed", async () => {
    const tuesday = await runBacktest({
      strategy: zigzag("005930"),
      events: ticks("005930", TUESDAY_10_KST, PRICES),
      fillAt: "close",
    });
    expect(tuesday.sessions).toBe("KRX");
    expect(tuesday.fills.length).toBeGreaterThan(2);
    expect(tuesday.orders.every((o) => o.status === "FILLED")).toBe(true);

    const saturday = await runBacktest({
      strategy: zigzag("005930"),
      events: ticks("005930", SATURDAY_10_KST, PRICES),
      fillAt: "close",
    });
    expect(saturday.fills).toHaveLength(0);
    expect(saturday.orders.length).toBeGreaterThan(0);
    for (const o of saturday.orders)
      expect(o.reason).toStartWith("SESSION_CLOSED: KRX is closed on Saturdays (2025-03-08");
  });

  it("measures submit-rate windows in market time", async () => {
    // One order per 90 s of market time; the data moves a minute per event and the run takes milliseconds.
    const result = await runBacktest({
      strategy: zigzag("005930"),
      events: ticks("005930", TUESDAY_10_KST, [...PRICES, ...PRICES]),
      fillAt: "close",
      limits: {
        maxOrderNotional: "50000000",
        maxPositionNotional: "200000000",
        accountSubmitRate: { limit: 1, windowMs: 90_000 },
      },
    });
    const accepted = result.orders.filter((o) => o.status === "FILLED").map((o) => BigInt(o.ts));
    const refused = result.orders.filter((o) => o.status === "REJECTED");
    expect(accepted.length).toBeGreaterThan(2);
    expect(refused.length).toBeGreaterThan(0);
    for (const o of refused) expect(o.reason).toStartWith("ACCOUNT_SUBMIT_RATE");
    for (let i = 1; i < accepted.length; i++)
      expect((accepted[i] as bigint) - (accepted[i - 1] as bigint)).toBeGreaterThanOrEqual(90_000_000_000n);
  });

  it("stamps risk's state changes in market time", async () => {
    const result = await runBacktest({
      strategy: zigzag("005930", { params: { fastPeriod: 1, slowPeriod: 2, quantity: "100" } }),
      events: ticks("005930", TUESDAY_10_KST, ["70000", "70100", "69000", "69100", "60000", "60100", "59000"]),
      fillAt: "close",
      limits: { maxOrderNotional: "50000000", maxPositionNotional: "200000000", dailyLossLimit: "10000" },
    });
    expect(result.riskEvents.length).toBeGreaterThan(0);
    const first = result.riskEvents[0];
    expect(first?.state).toBe("HALTED");
    expect(BigInt(first?.tsEvent ?? "0")).toBeGreaterThanOrEqual(TUESDAY_10_KST);
    expect(BigInt(first?.tsEvent ?? "0")).toBeLessThan(TUESDAY_10_KST + 10n * MINUTE_NS);
  });
});

describe("fills", () => {
  // Closes 100, 110, 100, 110, ...: fast 1 / slow 2 crosses on every bar from the third.
  const bars: Array<[string, string]> = [
    ["100", "100"],
    ["101", "110"],
    ["107", "100"],
    ["103", "110"],
    ["109", "100"],
    ["104", "110"],
  ];
  const strategy = zigzag("TEST-USD", { timeframe: "1m", params: { fastPeriod: 1, slowPeriod: 2, quantity: "1" } });
  const catalog = () =>
    new InstrumentCatalog([
      {
        symbol: "TEST-USD",
        venue: "sim",
        kind: "CRYPTO",
        base: "TEST",
        quote: "USD",
        tickSize: "1",
        lotSize: "1",
        minQuantity: "1",
        maxQuantity: "1000",
        minNotional: "0",
        makerFee: "0",
        takerFee: "0",
      },
    ]);

  it("go at the next bar's open by default, at its open time", async () => {
    const events = candles("TEST-USD", TUESDAY_10_KST, bars);
    const result = await runBacktest({ strategy, events, catalog: catalog() });
    expect(result.fillAt).toBe("next-open");
    // The cross up on bar 4's close (110) buys at bar 5's open (109), the cross down on bar 5 sells at bar 6's open (104).
    const view = result.fills.map((f) => [f.side, f.price, BigInt(f.tsEvent)]);
    expect(view).toContainEqual(["BUY", "109", TUESDAY_10_KST + 4n * MINUTE_NS]);
    expect(view).toContainEqual(["SELL", "104", TUESDAY_10_KST + 5n * MINUTE_NS]);
    for (const f of result.fills) expect(bars.map((b) => b[0])).toContain(f.price);
  });

  it("go on the decision bar's close with fillAt close", async () => {
    const events = candles("TEST-USD", TUESDAY_10_KST, bars);
    const result = await runBacktest({ strategy, events, catalog: catalog(), fillAt: "close" });
    for (const f of result.fills) expect(["100", "110"]).toContain(f.price);
  });

  it("size entries by notional or by a share of equity, rounded down to the lot", async () => {
    const events = candles("TEST-USD", TUESDAY_10_KST, bars);
    const byNotional = await runBacktest({
      strategy,
      events,
      catalog: catalog(),
      startingCash: "10000",
      sizing: { mode: "notional", notional: "1000" },
    });
    // Decided at a close of 110: 1000 / 110 = 9.09 -> 9.
    expect(byNotional.fills.filter((f) => f.side === "BUY").map((f) => f.quantity)).toEqual(["9"]);
    const byEquity = await runBacktest({
      strategy,
      events,
      catalog: catalog(),
      startingCash: "10000",
      sizing: { mode: "equity", percent: "50" },
    });
    // 5000 / 110 = 45.45 -> 45; the sell closes exactly what was bought.
    expect(byEquity.fills.map((f) => [f.side, f.quantity])).toEqual([
      ["BUY", "45"],
      ["SELL", "45"],
    ]);
  });

  it("go short and back in long/short mode, never short in long-only mode", async () => {
    const events = candles("TEST-USD", TUESDAY_10_KST, bars);
    const longOnly = await runBacktest({ strategy, events, catalog: catalog() });
    expect(tripsOf(longOnly).every((t) => t.side === "LONG")).toBe(true);
    const both = await runBacktest({ strategy, events, catalog: catalog(), direction: "long-short" });
    const sides = tripsOf(both).map((t) => t.side);
    expect(sides).toContain("SHORT");
    expect(sides).toContain("LONG");
    // Reversals: a sell that closes a long of 1 and opens a short of 1 is one order of 2.
    expect(both.fills.some((f) => f.quantity === "2")).toBe(true);
    const m = computeMetrics(both);
    expect(m.orders).toBe(m.fills + m.rejected + both.orders.filter((o) => o.status === "CANCELED").length);
  });
});

describe("instruments", () => {
  it("refuse to run a symbol with no definition instead of rejecting every order", async () => {
    await expect(
      runBacktest({ strategy: zigzag("AAPL"), events: ticks("AAPL", TUESDAY_10_KST, PRICES) }),
    ).rejects.toThrow(BacktestError);
  });
});

describe("round trips over a whole run", () => {
  it("add up to the run's net P&L to the unit, reversals and partial fills included", async () => {
    const result = await runBacktest({
      strategy: backtestStrategy({ params: { fastPeriod: 10, slowPeriod: 30, quantity: "0.1" } }),
      events: generateSampleCandles({ bars: 1500 }),
      direction: "long-short",
      sizing: { mode: "equity", percent: "90" },
      limits: { maxOrderNotional: "1000000000", maxPositionNotional: "1000000000" },
    });
    const m = computeMetrics(result);
    const trips = tripsOf(result);
    expect(trips.length).toBeGreaterThan(10);
    expect(result.fills.length).toBeGreaterThan(result.orders.length); // orders larger than a bar's volume fill in parts
    expect(trips.reduce((sum, t) => sum + fx.toFixed(t.pnl), 0n)).toBe(fx.toFixed(m.netPnl));
  });
});
