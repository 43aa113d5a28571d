import type { Candle, CandleInterval, Fill, Order } from "@jts/contracts";
import { chartNumber } from "./decimal.ts";

/** Bars per request, first load and each page back. */
export const PAGE_SIZE = 300;
/** Load the page before when fewer than this many bars are left of the visible range. */
export const LOAD_MARGIN_BARS = 30;

export const INTERVAL_SECONDS: Record<CandleInterval, number> = { "1m": 60, "5m": 300, "1h": 3600, "1d": 86400 };

/** A bar as the chart draws it: open time in seconds, prices as floats (only to be drawn). */
export interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Seconds since epoch, what the chart's time axis takes, from a ns digit string. */
export const secondsOf = (ns: string): number => Number(BigInt(ns) / 1_000_000_000n);

export const barOf = (candle: Candle): Bar => ({
  time: secondsOf(candle.tsOpen),
  open: chartNumber(candle.open),
  high: chartNumber(candle.high),
  low: chartNumber(candle.low),
  close: chartNumber(candle.close),
  volume: chartNumber(candle.volume),
});

/** The `to` (ns) of the page before the bar opening at `oldestSeconds`: open times are inclusive, so one ns before. */
export const pageEndBefore = (oldestSeconds: number): string =>
  (BigInt(oldestSeconds) * 1_000_000_000n - 1n).toString();

/**
 * The bars shown plus a page of older ones, oldest first, one bar per open
 * time: only what is older than the oldest shown is taken (the shown bars may
 * have moved on live since the page was read).
 */
export function prependPage(shown: readonly Bar[], page: readonly Candle[]): Bar[] {
  const oldest = shown[0]?.time ?? Number.POSITIVE_INFINITY;
  const older = page.map(barOf).filter((bar) => bar.time < oldest);
  const unique = older.filter((bar, i) => i === 0 || bar.time !== older[i - 1]?.time);
  return [...unique.sort((a, b) => a.time - b.time), ...shown];
}

/** `bars` with `bar` drawn live: it replaces the bar of its open time or follows the last; older bars are ignored. */
export function withLiveBar(bars: Bar[], bar: Bar): Bar[] {
  const last = bars.at(-1);
  if (last && bar.time < last.time) return bars;
  if (last && bar.time === last.time) bars[bars.length - 1] = bar;
  else bars.push(bar);
  return bars;
}

/** Whether the chart should ask for the page before: it scrolled near the oldest bar and there may be more. */
export function wantsOlder(
  visibleFrom: number | null,
  state: { loading: boolean; exhausted: boolean; bars: number },
): boolean {
  return visibleFrom !== null && !state.loading && !state.exhausted && state.bars > 0 && visibleFrom < LOAD_MARGIN_BARS;
}

/** A page shorter than asked for is the start of the stored history. */
export const isLastPage = (page: readonly Candle[], asked: number) => page.length < asked;

/** The open time (s) of the bar of `interval` a moment in ns falls in. */
export const bucketSeconds = (ns: string, interval: CandleInterval): number => {
  const size = INTERVAL_SECONDS[interval];
  return Math.floor(secondsOf(ns) / size) * size;
};

export interface FillMark {
  time: number;
  side: Fill["side"];
  text: string;
}

/** The trader's fills of `symbol`, one mark per fill on its bar, oldest first (what the chart's markers need). */
export function fillMarks(fills: readonly Fill[], symbol: string, interval: CandleInterval): FillMark[] {
  return fills
    .filter((f) => f.symbol === symbol)
    .map((f) => ({
      time: bucketSeconds(f.tsEvent, interval),
      side: f.side,
      text: `${f.side} ${f.quantity}@${f.price}`,
    }))
    .sort((a, b) => a.time - b.time);
}

export interface OrderLine {
  id: string;
  price: string;
  side: Order["side"];
  title: string;
}

/**
 * A horizontal line per open order of `symbol` at the price it waits for: the
 * limit price, or a stop order's trigger until it triggers. A market order has none.
 */
export function orderLines(openOrders: readonly Order[], symbol: string): OrderLine[] {
  const lines: OrderLine[] = [];
  for (const order of openOrders) {
    if (order.symbol !== symbol) continue;
    const price = order.price ?? order.stopPrice;
    if (!price) continue;
    const kind = order.price ? order.type.replace("_", " ") : "STOP";
    lines.push({ id: order.id, price, side: order.side, title: `${order.side} ${kind} ${order.quantity}` });
  }
  return lines;
}
