import type { CandleSource } from "@jts/broker-kit";
import type { CandleInterval } from "@jts/contracts";
import { BINANCE_VENUE } from "./constants.ts";
import { parseKlineRow } from "./parse.ts";
import type { BinanceRest } from "./rest.ts";
import type { BinanceSymbols } from "./symbols.ts";

const INTERVAL_MS: Record<CandleInterval, number> = { "1m": 60_000, "5m": 300_000, "1h": 3_600_000, "1d": 86_400_000 };

/** Historical klines, 1000 per call (weight 2, in the `weight-data` budget). */
export function binanceCandleSource(
  rest: BinanceRest,
  symbols: BinanceSymbols,
  symbol: string,
  interval: CandleInterval,
): CandleSource {
  const intervalMs = INTERVAL_MS[interval];
  return {
    venue: BINANCE_VENUE,
    intervalMs,
    pageSpanMs: 1000 * intervalMs,
    async fetch(fromMs, toMs) {
      const rows = await rest.klines(symbols.venueOf(symbol), interval, fromMs, toMs - 1, 1000);
      return rows.map((row) => parseKlineRow(row, symbol, interval));
    },
  };
}
