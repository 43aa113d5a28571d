/**
 * `just backfill binance <symbol> <interval> <from> <to>`: historical klines
 * into ClickHouse through the same rate gate as the broker (Redis when
 * REDIS_URL is set). Uses BINANCE_BASE_URL; no credentials needed.
 */
import { RateGate, runBackfillCli } from "@jts/broker-kit";
import type { CandleInterval } from "@jts/contracts";
import { binanceCandleSource } from "./candles.ts";
import { BINANCE_VENUE, binanceLimits } from "./constants.ts";
import { BinanceRest } from "./rest.ts";
import { BinanceSymbols } from "./symbols.ts";

await runBackfillCli({
  venue: BINANCE_VENUE,
  argv: process.argv.slice(2),
  createSource(symbol, interval, limiter) {
    const gate = new RateGate(limiter, { venue: BINANCE_VENUE, limits: binanceLimits() });
    const rest = new BinanceRest({
      baseUrl: process.env.BINANCE_BASE_URL || "https://api.binance.com",
      gate,
      clock: { now: () => Date.now() },
    });
    const [base = "", quote = ""] = symbol.split("-");
    return binanceCandleSource(rest, new BinanceSymbols([{ base, quote }]), symbol, interval as CandleInterval);
  },
});
