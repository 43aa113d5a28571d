/**
 * `just backfill upbit <symbol> <interval> <from> <to>`: historical candles
 * into ClickHouse through the same rate gate as the broker (Redis when
 * REDIS_URL is set). Uses UPBIT_BASE_URL; no credentials needed.
 */
import { RateGate, runBackfillCli } from "@jts/broker-kit";
import type { CandleInterval } from "@jts/contracts";
import { upbitCandleSource } from "./candles.ts";
import { UPBIT_VENUE, upbitLimits } from "./constants.ts";
import { UpbitRest } from "./rest.ts";

await runBackfillCli({
  venue: UPBIT_VENUE,
  argv: process.argv.slice(2),
  createSource(symbol, interval, limiter) {
    const gate = new RateGate(limiter, { venue: UPBIT_VENUE, limits: upbitLimits() });
    const rest = new UpbitRest({ baseUrl: process.env.UPBIT_BASE_URL || "https://api.upbit.com", gate });
    return upbitCandleSource(rest, symbol, interval as CandleInterval);
  },
});
