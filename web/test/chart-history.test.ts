import { describe, expect, test } from "bun:test";
import type { Candle, Fill } from "@jts/contracts";
import { orderFixture } from "@jts/kit/testing";
import {
  barOf,
  fillMarks,
  isLastPage,
  LOAD_MARGIN_BARS,
  orderLines,
  PAGE_SIZE,
  pageEndBefore,
  prependPage,
  wantsOlder,
  withLiveBar,
} from "../src/lib/chart-history.ts";

const MIN = 60;
const T0 = 1_796_392_680; // a minute boundary, in seconds
const candle = (minute: number, close: string): Candle => ({
  symbol: "BTC-KRW",
  venue: "sim",
  interval: "1m",
  tsOpen: (BigInt(T0 + minute * MIN) * 1_000_000_000n).toString(),
  open: close,
  high: close,
  low: close,
  close,
  volume: "0.5",
  trades: 4,
  closed: true,
});
const fill = (symbol: string, side: Fill["side"], atSeconds: number): Fill => ({
  id: `f-${symbol}-${atSeconds}`,
  orderId: "o1",
  clientOrderId: "c1",
  account: "paper-main",
  venue: "sim",
  symbol,
  side,
  price: "150000000",
  quantity: "0.002",
  fee: "150",
  feeCurrency: "KRW",
  liquidity: "TAKER",
  strategyId: null,
  tsEvent: (BigInt(atSeconds) * 1_000_000_000n + 123n).toString(),
});

describe("the chart's history as it scrolls back", () => {
  test("asks for the page ending one ns before the oldest bar's open", () => {
    expect(BigInt(pageEndBefore(T0))).toBe(BigInt(T0) * 1_000_000_000n - 1n);
  });

  test("prepends only what is older than the oldest bar shown, oldest first, and keeps the shown (maybe live) bars", () => {
    const shown = [candle(10, "110"), candle(11, "111")].map(barOf);
    shown[1] = { ...(shown[1] as (typeof shown)[number]), close: 999 }; // moved on live since
    const page = [candle(8, "108"), candle(9, "109"), candle(10, "42") /* the page's copy of a shown bar */];
    const merged = prependPage(shown, page);
    expect(merged.map((b) => b.time)).toEqual([8, 9, 10, 11].map((m) => T0 + m * MIN));
    expect(merged.map((b) => b.close)).toEqual([108, 109, 110, 999]);
  });

  test("loads the page before only near the left edge, one request at a time, until a short page ends the history", () => {
    const state = { loading: false, exhausted: false, bars: PAGE_SIZE };
    expect(wantsOlder(LOAD_MARGIN_BARS - 1, state)).toBe(true);
    expect(wantsOlder(-20, state)).toBe(true); // scrolled past the oldest bar
    expect(wantsOlder(LOAD_MARGIN_BARS + 50, state)).toBe(false);
    expect(wantsOlder(0, { ...state, loading: true })).toBe(false);
    expect(wantsOlder(0, { ...state, exhausted: true })).toBe(false);
    expect(wantsOlder(0, { ...state, bars: 0 })).toBe(false); // nothing loaded yet: no "before"
    expect(wantsOlder(null, state)).toBe(false);
    expect(
      isLastPage(
        Array.from({ length: PAGE_SIZE }, (_, i) => candle(i, "1")),
        PAGE_SIZE,
      ),
    ).toBe(false);
    expect(isLastPage([candle(1, "1")], PAGE_SIZE)).toBe(true);
  });

  test("a live bar replaces the bar of its minute or follows the last; an older one is ignored", () => {
    const bars = [candle(1, "1"), candle(2, "2")].map(barOf);
    withLiveBar(bars, { ...barOf(candle(2, "3")) });
    expect(bars.map((b) => b.close)).toEqual([1, 3]);
    withLiveBar(bars, barOf(candle(3, "4")));
    withLiveBar(bars, barOf(candle(0, "9")));
    expect(bars.map((b) => b.close)).toEqual([1, 3, 4]);
  });
});

describe("the trader's fills and open orders on the chart", () => {
  test("marks each fill of the symbol on the bar of the interval it fell in, oldest first", () => {
    const fills = [fill("BTC-KRW", "SELL", T0 + 3700), fill("ETH-KRW", "BUY", T0), fill("BTC-KRW", "BUY", T0 + 61)];
    expect(fillMarks(fills, "BTC-KRW", "1m")).toEqual([
      { time: T0 + 60, side: "BUY", text: "BUY 0.002@150000000" },
      { time: T0 + 3660, side: "SELL", text: "SELL 0.002@150000000" },
    ]);
    const hourly = fillMarks(fills, "BTC-KRW", "1h").map((m) => m.time);
    expect(hourly.every((t) => t % 3600 === 0)).toBe(true);
  });

  test("draws a line per open order of the symbol at its limit price, or a stop order's trigger", () => {
    const orders = [
      orderFixture({ id: "l1", symbol: "BTC-KRW", type: "LIMIT", price: "120000000", quantity: "0.001" }),
      orderFixture({ id: "s1", symbol: "BTC-KRW", type: "STOP_MARKET", side: "SELL", stopPrice: "140000000" }),
      orderFixture({ id: "m1", symbol: "BTC-KRW", type: "MARKET" }),
      orderFixture({ id: "x1", symbol: "005930", type: "LIMIT", price: "70000" }),
    ];
    expect(orderLines(orders, "BTC-KRW")).toEqual([
      { id: "l1", price: "120000000", side: "BUY", title: "BUY LIMIT 0.001" },
      { id: "s1", price: "140000000", side: "SELL", title: "SELL STOP 10" },
    ]);
  });
});
