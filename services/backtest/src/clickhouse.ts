import type { Candle, CandleInterval } from "@jts/contracts";
import type { MarketEvent } from "./csv.ts";

const PAGE = 5000;

export interface ClickHouseSource {
  symbol: string;
  interval: CandleInterval;
  /** Open times in ns; everything stored when absent. */
  from?: string;
  to?: string;
  /** A ClickHouse server; chdb at `path` (or the repo's .data/chdb) when absent. */
  url?: string;
  path?: string;
}

/**
 * Closed candles from the market-data history (the kit's ClickHouse tick
 * store, server or chdb). The store answers the newest `limit` candles of a
 * range, so pages walk backwards from `to` and are put in order at the end.
 */
export async function loadCandles(source: ClickHouseSource): Promise<MarketEvent[]> {
  const { openTickStore } = await import("@jts/kit/clickhouse");
  const store = await openTickStore({
    ...(source.url ? { url: source.url } : {}),
    ...(source.path ? { path: source.path } : {}),
  });
  try {
    const pages: Candle[][] = [];
    let to = source.to;
    for (;;) {
      const page = await store.candles({
        symbol: source.symbol,
        interval: source.interval,
        limit: PAGE,
        ...(source.from ? { from: source.from } : {}),
        ...(to ? { to } : {}),
      });
      pages.unshift(page);
      const first = page[0];
      if (page.length < PAGE || !first) break;
      to = String(BigInt(first.tsOpen) - 1n);
    }
    return pages
      .flat()
      .filter((c) => c.closed)
      .map((candle) => ({ kind: "candle", candle }));
  } finally {
    await store.close();
  }
}
