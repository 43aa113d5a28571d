import type { CandleSource } from "@jts/broker-kit";
import type { CandleInterval } from "@jts/contracts";
import { UPBIT_VENUE } from "./constants.ts";
import { parseCandle } from "./parse.ts";
import type { UpbitRest } from "./rest.ts";
import { toUpbitMarket } from "./symbols.ts";

const UNITS: Record<CandleInterval, { unit: number | "days"; ms: number }> = {
  "1m": { unit: 1, ms: 60_000 },
  "5m": { unit: 5, ms: 300_000 },
  "1h": { unit: 60, ms: 3_600_000 },
  "1d": { unit: "days", ms: 86_400_000 },
};

/**
 * Historical candles, 200 per call (quotation `candle` group, 10/s per IP).
 * Upbit pages backwards from `to` (exclusive); asking for the candles before
 * the end of each forward page keeps the backfill's order.
 */
export function upbitCandleSource(rest: UpbitRest, symbol: string, interval: CandleInterval): CandleSource {
  const { unit, ms } = UNITS[interval];
  return {
    venue: UPBIT_VENUE,
    intervalMs: ms,
    pageSpanMs: 200 * ms,
    async fetch(fromMs, toMs) {
      const count = Math.min(200, Math.ceil((toMs - fromMs) / ms));
      const rows = await rest.candles(
        toUpbitMarket(symbol),
        unit,
        `${new Date(toMs).toISOString().slice(0, 19)}Z`,
        count,
      );
      return rows.map((row) => parseCandle(row, interval, ms)).reverse();
    },
  };
}
