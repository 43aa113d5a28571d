import { describe, expect, it } from "bun:test";
import type { Candle, ExecutionReport, Instrument, Order } from "@jts/contracts";
import { fx } from "@jts/contracts";
import { ALWAYS_OPEN, InstrumentCatalog, krxSchedule, SIM_INSTRUMENTS } from "@jts/kit";
import { executionReportFixture, reportFillFixture } from "@jts/kit/testing";
import { runBacktest } from "./backtest.ts";
import { candleTimes } from "./bar-time.ts";
import { affordableBuy } from "./cash.ts";
import { parseCsv } from "./csv.ts";
import { DEFAULT_BACKTEST_PARAMS } from "./defaults.ts";
import { computeMetrics } from "./metrics.ts";
import { generateSampleCandles } from "./sample.ts";
import { backtestStrategy } from "./testing.ts";

/** Review 13a findings 6-9: a long-only run never spends cash it lacks, daily KRX bars trade, equity:100 trades, partials. */

const WIDE_LIMITS = { maxOrderNotional: "1000000000", maxPositionNotional: "1000000000" };
const KST_HOUR_NS = 3_600_000_000_000n;
const kst = (date: string, hh: number, mm = 0) =>
  BigInt(Date.parse(`${date}T00:00:00Z`)) * 1_000_000n + BigInt(hh - 9) * KST_HOUR_NS + BigInt(mm) * 60_000_000_000n;

/** 60 weekdays of 005930 daily bars from Monday 2026-01-05, stamped `hh:00` UTC of the date (0 = midnight UTC). */
function krxDailyBars(stampHourUtc: number) {
  const lines = ["ts,symbol,interval,open,high,low,close,volume"];
  let day = Date.UTC(2026, 0, 5);
  let price = 70000;
  for (let i = 0; lines.length < 61; i++, day += 86_400_000) {
    const weekday = new Date(day).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    price += (i % 10 < 5 ? 1 : -1) * 1000;
    const ts = new Date(day + stampHourUtc * 3_600_000).toISOString();
    lines.push(`${ts},005930,1d,${price},${price + 500},${price - 500},${price + 100},100000`);
  }
  return parseCsv(`${lines.join("\n")}\n`);
}

describe("bars on a market with sessions (finding 7)", () => {
  const krx = krxSchedule();
  const candle = (tsOpen: bigint, interval: Candle["interval"]): Candle => ({
    symbol: "005930",
    venue: "sim",
    interval,
    tsOpen: String(tsOpen),
    open: "1",
    high: "1",
    low: "1",
    close: "1",
    volume: "1",
    trades: 1,
    closed: true,
  });

  it("puts a daily bar inside its day's continuous session, whether stamped at midnight KST or UTC", () => {
    const endOfContinuous = kst("2026-01-09", 15, 20) - 1n;
    expect(candleTimes(candle(kst("2026-01-09", 0), "1d"), krx)).toEqual({
      open: kst("2026-01-09", 9),
      close: endOfContinuous,
    });
    // Midnight UTC is 09:00 KST: its stamp + 24 h would be Saturday 09:00.
    expect(candleTimes(candle(kst("2026-01-09", 9), "1d"), krx)).toEqual({
      open: kst("2026-01-09", 9),
      close: endOfContinuous,
    });
  });

  it("ends the last hourly bar at the end of continuous trading and leaves bars inside or outside the session alone", () => {
    expect(candleTimes(candle(kst("2026-01-09", 15), "1h"), krx)).toEqual({
      open: kst("2026-01-09", 15),
      close: kst("2026-01-09", 15, 20) - 1n,
    });
    expect(candleTimes(candle(kst("2026-01-09", 10), "1h"), krx)).toEqual({
      open: kst("2026-01-09", 10),
      close: kst("2026-01-09", 11),
    });
    const saturday = candle(kst("2026-01-10", 0), "1d");
    expect(candleTimes(saturday, krx)).toEqual({ open: kst("2026-01-10", 0), close: kst("2026-01-11", 0) });
    expect(candleTimes(candle(kst("2026-01-09", 0), "1d"), ALWAYS_OPEN)).toEqual({
      open: kst("2026-01-09", 0),
      close: kst("2026-01-10", 0),
    });
  });

  for (const [stamp, hour] of [
    ["midnight KST", -9],
    ["midnight UTC", 0],
  ] as const)
    it(`trades KRX daily bars stamped at ${stamp}: no signal refused for the stamp, fills at 09:00 KST`, async () => {
      const result = await runBacktest({
        strategy: backtestStrategy({
          symbol: "005930",
          timeframe: "1d",
          params: { ...DEFAULT_BACKTEST_PARAMS["ma-crossover"], fastPeriod: 2, slowPeriod: 4, quantity: "10" },
        }),
        events: krxDailyBars(hour),
      });
      expect(result.orders.filter((o) => o.status === "REJECTED")).toEqual([]);
      expect(result.fills.length).toBeGreaterThan(5);
      for (const fill of result.fills) {
        const local = new Date(Number(BigInt(fill.tsEvent) / 1_000_000n) + 9 * 3_600_000);
        expect(local.toISOString().slice(11, 16)).toBe("09:00");
      }
    });
});

describe("a long-only run is a cash account (finding 6)", () => {
  /** Falls then rises: the MA crossover buys at bar 7's close, and bar 8 opens 10% higher. */
  function gapUp() {
    const closes = [100, 99, 98, 97, 96, 95, 96, 98, 101, 104, 107, 110, 112, 114];
    const lines = ["ts,symbol,interval,open,high,low,close,volume"];
    closes.forEach((c, i) => {
      const close = c * 1_000_000;
      const previous = (closes[i - 1] ?? c) * 1_000_000;
      const open = i === 8 ? Math.round((previous * 1.1) / 1000) * 1000 : previous;
      const ts = 1767571200 + i * 60;
      lines.push(`${ts}000000000,BTC-KRW,1m,${open},${Math.max(open, close)},${Math.min(open, close)},${close},1000`);
    });
    return parseCsv(`${lines.join("\n")}\n`);
  }

  it("cuts a MARKET buy to the cash free at the open it fills at, and never goes below zero", async () => {
    const result = await runBacktest({
      strategy: backtestStrategy({ params: { fastPeriod: 2, slowPeriod: 4, quantity: "1" } }),
      events: gapUp(),
      sizing: { mode: "equity", percent: "99" },
      limits: WIDE_LIMITS,
    });
    const buy = result.orders.find((o) => o.side === "BUY");
    expect(buy?.status).toBe("FILLED");
    expect(buy?.reason).toStartWith("cut to the cash at the fill:");
    expect(result.cash).toBeGreaterThanOrEqual(0n);
    for (const point of result.equity) expect(point.equity).toBeGreaterThan(0n);
    // What was bought is what 100,000,000 pays at the gapped open (107,800,000) with the 0.05% fee.
    const spent = result.fills.reduce((sum, f) => sum + fx.mul(fx.toFixed(f.price), fx.toFixed(f.quantity)), 0n);
    expect(spent).toBeLessThanOrEqual(fx.toFixed("100000000"));
    expect(spent).toBeGreaterThan(fx.toFixed("99900000"));
  });

  it("refuses the buy at the fill when the free cash pays not even the minimum quantity", async () => {
    const whole = { ...(SIM_INSTRUMENTS[0] as Instrument), lotSize: "1", minQuantity: "1" };
    const result = await runBacktest({
      strategy: backtestStrategy({ params: { fastPeriod: 2, slowPeriod: 4, quantity: "1" } }),
      events: gapUp(),
      catalog: new InstrumentCatalog([whole]),
      limits: WIDE_LIMITS,
    });
    // Risk approved 1 BTC at the 98,000,000 close; the open gapped to 107,800,000, more than the 100,000,000 held.
    const buy = result.orders.find((o) => o.side === "BUY");
    expect(buy?.status).toBe("REJECTED");
    expect(buy?.reason).toStartWith("INSUFFICIENT_BALANCE at the fill:");
    expect(result.fills).toEqual([]);
    expect(result.cash).toBe(fx.toFixed("100000000"));
  });

  it("pays the largest lot multiple the free cash covers at the book it walks, none when the cash covers no lot", () => {
    const spec = new InstrumentCatalog().spec("BTC-KRW");
    if (!spec) throw new Error("BTC-KRW is in the default catalog");
    const input = {
      quantity: fx.toFixed("1"),
      ask: fx.toFixed("100000000"),
      askSize: fx.toFixed("10"),
      takerFee: fx.toFixed("0.0005"),
      spec,
    };
    expect(affordableBuy({ ...input, free: fx.toFixed("200000000") })).toBe(fx.toFixed("1"));
    // 50,000,000 pays 0.49975012 at 100,000,000 with 0.05%: the largest lot multiple that fits.
    expect(affordableBuy({ ...input, free: fx.toFixed("50000000") })).toBe(fx.toFixed("0.49975012"));
    expect(affordableBuy({ ...input, free: 0n })).toBe(0n);
    // Beyond the ask's size the buy walks levels 5 bps worse: 0.5 at the ask costs more at the next level.
    const thin = { ...input, askSize: fx.toFixed("0.25") };
    expect(affordableBuy({ ...thin, free: fx.toFixed("50000000") })).toBeLessThan(fx.toFixed("0.49975012"));
  });
});

describe("equity sizing passes risk (finding 8)", () => {
  for (const slippageBps of [0, 20])
    it(`--sizing equity:100 trades on a cash run, slippage ${slippageBps} bps, with no order refused`, async () => {
      const result = await runBacktest({
        strategy: backtestStrategy(),
        events: generateSampleCandles(),
        sizing: { mode: "equity", percent: "100" },
        limits: WIDE_LIMITS,
        costs: { slippageBps },
      });
      const metrics = computeMetrics(result);
      expect(result.orders.filter((o) => o.status === "REJECTED").map((o) => o.reason)).toEqual([]);
      expect(metrics.fills).toBeGreaterThan(10);
      expect(result.cash).toBeGreaterThanOrEqual(0n);
    });
});

describe("partial fills (finding 9)", () => {
  /** A venue that fills half of an order when it is placed, and the rest at the next price when `completes`. */
  function halfThenRest(completes: boolean) {
    let last = "0";
    const waiting: Array<{ order: Order; rest: string }> = [];
    const fill = (order: Order, now: string, quantity: string, n: number): ExecutionReport =>
      executionReportFixture(order, "FILL", reportFillFixture({ fillId: `${order.id}-${n}`, price: last, quantity }), {
        tsEvent: now,
      });
    return {
      onQuote(quote: { bid: string; tsEvent: string }) {
        last = quote.bid;
        return waiting.splice(0).map(({ order, rest }) => fill(order, quote.tsEvent, rest, 2));
      },
      place(order: Order, now: string) {
        const half = fx.floorTo(fx.toFixed(order.quantity) / 2n, fx.toFixed("0.00000001"));
        if (completes) waiting.push({ order, rest: fx.fromFixed(fx.toFixed(order.quantity) - half) });
        return { accepted: true, reason: null, reports: [fill(order, now, fx.fromFixed(half), 1)] };
      },
      cancel: () => [],
    };
  }
  const half = (quantity: string) => fx.fromFixed(fx.floorTo(fx.toFixed(quantity) / 2n, fx.toFixed("0.00000001")));

  it("stays PARTIALLY_FILLED with the filled quantity while the rest works at the venue", async () => {
    const result = await runBacktest({
      strategy: backtestStrategy(),
      events: generateSampleCandles(),
      venue: halfThenRest(false),
    });
    const first = result.orders[0];
    expect(first?.status).toBe("PARTIALLY_FILLED");
    expect(first?.filledQuantity).toBe(half(first?.quantity ?? "0"));
    // The strategy keeps it in flight (one order at a time), so nothing else is sent while it works.
    expect(result.orders).toHaveLength(1);
  });

  it("is FILLED with the summed quantity once the last fill completes it", async () => {
    const result = await runBacktest({
      strategy: backtestStrategy(),
      events: generateSampleCandles(),
      venue: halfThenRest(true),
    });
    const first = result.orders[0];
    expect(first?.status).toBe("FILLED");
    expect(first?.filledQuantity).toBe(first?.quantity);
    expect(result.fills.filter((f) => f.orderId === first?.orderId)).toHaveLength(2);
    expect(result.orders.length).toBeGreaterThan(1);
  });
});
