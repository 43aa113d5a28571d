import type { Candle, CandleInterval, CandleQuery } from "@jts/contracts";
import type { MarketEvent } from "./csv.ts";

export interface CandleRange {
  symbol: string;
  interval: CandleInterval;
  /** Open times in ns; everything stored when absent. */
  from?: string;
  to?: string;
}

/** The one call the backtest needs from the market-data history (the kit's ClickHouseTickStore). */
export interface CandleSource {
  candles(query: CandleQuery): Promise<Candle[]>;
}

/** A range holding more candles than the caller may load. */
export class HistoryTooLongError extends Error {}

/**
 * Closed candles of a range, oldest first. The store answers the newest
 * `limit` candles of a range, so pages walk backwards from `to` and are put
 * in order at the end. Past `maxBars` candles it stops, having read one more,
 * and throws HistoryTooLongError: a year of minutes is never held to be refused.
 */
export async function loadCandles(
  source: CandleSource,
  range: CandleRange,
  pageSize = 5000,
  maxBars = Number.POSITIVE_INFINITY,
): Promise<MarketEvent[]> {
  const pages: Candle[][] = [];
  let to = range.to;
  let read = 0;
  for (;;) {
    const limit = Math.min(pageSize, maxBars + 1 - read);
    const page = await source.candles({
      symbol: range.symbol,
      interval: range.interval,
      limit,
      ...(range.from ? { from: range.from } : {}),
      ...(to ? { to } : {}),
    });
    read += page.length;
    if (read > maxBars)
      throw new HistoryTooLongError(
        `the history range holds more than ${maxBars} bars of ${range.symbol} ${range.interval}, the most one run may replay: a shorter range or a longer interval`,
      );
    pages.unshift(page);
    const first = page[0];
    if (page.length < limit || !first) break;
    to = String(BigInt(first.tsOpen) - 1n);
  }
  return pages
    .flat()
    .filter((c) => c.closed)
    .map((candle) => ({ kind: "candle", candle }));
}

/** Candles from ClickHouse: the server at `url`, else chdb at `path` (the repo's .data/chdb by default). */
export async function loadClickHouseCandles(
  range: CandleRange,
  where: { url?: string; path?: string },
  maxBars?: number,
): Promise<MarketEvent[]> {
  const { openTickStore } = await import("@jts/kit/clickhouse");
  const store = await openTickStore({
    ...(where.url ? { url: where.url } : {}),
    ...(where.path ? { path: where.path } : {}),
  });
  try {
    return await loadCandles(store, range, undefined, maxBars);
  } finally {
    await store.close();
  }
}
