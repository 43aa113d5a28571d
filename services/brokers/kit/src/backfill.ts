import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Candle, fx } from "@jts/contracts";
import type { ClickHouseClient } from "@jts/kit/clickhouse";

/** Where historical candles come from: one venue, one symbol, one interval. */
export interface CandleSource {
  venue: string;
  intervalMs: number;
  /** The widest range one call can return (venue page size times the interval). */
  pageSpanMs: number;
  /** Candles whose open time is in [fromMs, toMs), oldest first. */
  fetch(fromMs: number, toMs: number): Promise<Candle[]>;
}

/** Where they go. `token` is the same for a retried page, so a sink can make the retry idempotent. */
export interface CandleSink {
  write(candles: Candle[], token: string): Promise<void>;
}

export interface BackfillCheckpoint {
  venue: string;
  symbol: string;
  interval: string;
  fromMs: number;
  toMs: number;
  /** Everything before this open time is written. */
  doneUntilMs: number;
  candles: number;
}

export interface BackfillOptions {
  source: CandleSource;
  sink: CandleSink;
  symbol: string;
  interval: string;
  fromMs: number;
  toMs: number;
  /** JSON file holding progress; a rerun with the same range resumes from it. */
  checkpointPath: string;
  onProgress?: (checkpoint: BackfillCheckpoint) => void;
}

/**
 * Loads [from, to) page by page, writing each page and then the checkpoint,
 * so an interrupted run resumes at the first page not recorded as written
 * (at worst one page is written twice, under the same token). Rate limits are
 * the source's business: its REST client passes the venue's gate.
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillCheckpoint> {
  const { source, symbol, interval, fromMs, toMs } = options;
  if (!(fromMs < toMs))
    throw new Error(`empty range: ${new Date(fromMs).toISOString()} .. ${new Date(toMs).toISOString()}`);
  let checkpoint: BackfillCheckpoint = {
    venue: source.venue,
    symbol,
    interval,
    fromMs,
    toMs,
    doneUntilMs: fromMs,
    candles: 0,
  };
  const saved = readCheckpoint(options.checkpointPath);
  if (
    saved &&
    saved.venue === source.venue &&
    saved.symbol === symbol &&
    saved.interval === interval &&
    saved.fromMs === fromMs &&
    saved.toMs === toMs
  )
    checkpoint = saved;
  options.onProgress?.(checkpoint);
  while (checkpoint.doneUntilMs < toMs) {
    const pageEnd = Math.min(toMs, checkpoint.doneUntilMs + source.pageSpanMs);
    const candles = (await source.fetch(checkpoint.doneUntilMs, pageEnd)).filter((c) => {
      const openMs = Number(BigInt(c.tsOpen) / 1_000_000n);
      return openMs >= checkpoint.doneUntilMs && openMs < pageEnd;
    });
    if (candles.length > 0)
      await options.sink.write(candles, `${source.venue}:${symbol}:${interval}:${checkpoint.doneUntilMs}:${pageEnd}`);
    checkpoint = { ...checkpoint, doneUntilMs: pageEnd, candles: checkpoint.candles + candles.length };
    writeCheckpoint(options.checkpointPath, checkpoint);
    options.onProgress?.(checkpoint);
  }
  return checkpoint;
}

function readCheckpoint(path: string): BackfillCheckpoint | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as BackfillCheckpoint;
  } catch {
    return null;
  }
}

function writeCheckpoint(path: string, checkpoint: BackfillCheckpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  // Write then rename: a crash mid-write never leaves a torn checkpoint.
  writeFileSync(`${path}.tmp`, JSON.stringify(checkpoint));
  renameSync(`${path}.tmp`, path);
}

/** `[#####.....]  45.0%  12,345 candles` on one terminal line. */
export function progressLine(checkpoint: BackfillCheckpoint, width = 30): string {
  const share = (checkpoint.doneUntilMs - checkpoint.fromMs) / (checkpoint.toMs - checkpoint.fromMs);
  const filled = Math.round(share * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(share * 100).toFixed(1).padStart(5)}%  ${checkpoint.candles.toLocaleString("en")} candles  up to ${new Date(checkpoint.doneUntilMs).toISOString()}`;
}

const SAFE = /^[A-Za-z0-9.-]+$/;
const literal = (value: string) => {
  if (!SAFE.test(value)) throw new Error(`refusing to write ${JSON.stringify(value)}`);
  return `'${value}'`;
};

/**
 * Writes 1m candles into the kit's `candles_1m` (aggregate states, the same
 * table the collector's materialized view fills from ticks), so backfilled
 * and live minutes roll up to 5m/1h/1d the same way. Other intervals are
 * refused: the store keeps 1m and rolls up.
 */
export function clickHouseCandleSink(client: ClickHouseClient, database = "jts"): CandleSink {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`bad database name ${database}`);
  return {
    async write(candles, token) {
      const rows = candles.map((c) => {
        if (c.interval !== "1m") throw new Error(`the candle store keeps 1m candles, got ${c.interval}`);
        for (const value of [c.open, c.high, c.low, c.close, c.volume]) fx.toFixed(value);
        const bucket = Number(BigInt(c.tsOpen) / 1_000_000_000n);
        return `(${literal(c.symbol)}, ${bucket}, ${literal(c.venue)}, ${literal(c.open)}, ${literal(c.high)}, ${literal(c.low)}, ${literal(c.close)}, ${literal(c.volume)}, ${Math.trunc(c.trades)})`;
      });
      await client.command({
        query: `
          INSERT INTO ${database}.candles_1m (symbol, bucket, venue, open, high, low, close, volume, trades)
          SELECT symbol, toDateTime(bucket, 'UTC'), anyLast(venue),
            argMinState(toDecimal128(o, 9), toDateTime64(bucket, 9, 'UTC')),
            max(toDecimal128(h, 9)), min(toDecimal128(l, 9)),
            argMaxState(toDecimal128(c, 9), toDateTime64(bucket, 9, 'UTC')),
            sum(toDecimal128(v, 9)), sum(t)
          FROM values('symbol String, bucket UInt32, venue String, o String, h String, l String, c String, v String, t UInt64', ${rows.join(", ")})
          GROUP BY symbol, bucket`,
        // Always set: chdb applies settings session-wide (see the tick store).
        clickhouse_settings: { insert_deduplication_token: token },
      });
    },
  };
}
