import { join, resolve } from "node:path";
import type { RateLimiter } from "@jts/contracts";
import { MemoryRateLimiter } from "@jts/kit";
import { createTimeSeriesClient, ensureSchema } from "@jts/kit/clickhouse";
import { connectRedis, RedisRateLimiter } from "@jts/kit/redis";
import { type CandleSource, clickHouseCandleSink, progressLine, runBackfill } from "./backfill.ts";

/** `2026-11-01`, `2026-11-01T12:00:00Z` or epoch milliseconds. */
export function parseTime(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(/T|Z$/.test(text) ? text : `${text}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`not a time: ${text}`);
  return ms;
}

export interface BackfillCliOptions {
  venue: string;
  argv: string[];
  /** Builds the venue's source over a limiter (Redis when REDIS_URL is set, shared with the running broker). */
  createSource(symbol: string, interval: string, limiter: RateLimiter): CandleSource;
}

/**
 * `bun services/brokers/<venue>/src/backfill.ts <symbol> <interval> <from> <to>`
 * (what `just backfill` runs): loads candles into ClickHouse (CLICKHOUSE_URL)
 * or embedded chdb (CHDB_PATH, default .data/chdb), resumable through
 * .data/backfill/<venue>-<symbol>-<interval>.json (BACKFILL_CHECKPOINT_DIR), progress on stderr.
 */
export async function runBackfillCli(options: BackfillCliOptions): Promise<void> {
  const [symbol, interval, from, to] = options.argv;
  if (!symbol || !interval || !from || !to) {
    console.error(
      `usage: just backfill ${options.venue} <symbol> <interval> <from> <to>   (e.g. BTC-USDT 1m 2026-11-01 2026-11-02)`,
    );
    process.exit(2);
  }
  if (interval !== "1m") {
    console.error("the candle store keeps 1m candles and rolls them up to 5m/1h/1d: backfill 1m");
    process.exit(2);
  }
  const root = resolve(join(import.meta.dir, "../../../.."));
  const redisUrl = process.env.REDIS_URL;
  const limiter: RateLimiter = redisUrl
    ? new RedisRateLimiter(connectRedis(redisUrl, "backfill"))
    : new MemoryRateLimiter();
  const client = createTimeSeriesClient({
    url: process.env.CLICKHOUSE_URL || undefined,
    path: process.env.CHDB_PATH || join(root, ".data/chdb"),
  });
  try {
    await ensureSchema(client);
    const done = await runBackfill({
      source: options.createSource(symbol, interval, limiter),
      sink: clickHouseCandleSink(client),
      symbol,
      interval,
      fromMs: parseTime(from),
      toMs: parseTime(to),
      checkpointPath: join(
        process.env.BACKFILL_CHECKPOINT_DIR || join(root, ".data/backfill"),
        `${options.venue}-${symbol}-${interval}.json`,
      ),
      onProgress: (checkpoint) => process.stderr.write(`\r${progressLine(checkpoint)}`),
    });
    process.stderr.write("\n");
    console.log(`${options.venue} ${symbol} ${interval}: ${done.candles} candles loaded`);
  } finally {
    await client.close();
    await limiter.close();
  }
}
