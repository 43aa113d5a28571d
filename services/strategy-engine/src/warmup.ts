import { type Candle, type CandleInterval, Subjects } from "@jts/contracts";
import type { RpcClient } from "@jts/kit";

/** Bars per md.candles call: 1000 one-minute bars are about 0.25 MB, well inside NATS's 1 MiB a message. */
export const WARMUP_CHUNK = 1000;
/** The most bars a warm-up reads (the longest period a built-in strategy takes is 2000). */
export const MAX_WARMUP_BARS = 5000;

/**
 * The newest `bars` candles of a symbol, oldest first, read back from the newest in
 * chunks of WARMUP_CHUNK: each chunk ends just before the oldest bar already read
 * (`to` = its open time - 1), so chunks join without a gap or a repeat. Stops early
 * when the history runs out (a chunk shorter than asked).
 */
export async function readWarmupCandles(
  call: RpcClient["call"],
  symbol: string,
  interval: CandleInterval,
  bars: number,
): Promise<Candle[]> {
  const wanted = Math.min(bars, MAX_WARMUP_BARS);
  let candles: Candle[] = [];
  while (candles.length < wanted) {
    const oldest = candles[0];
    const limit = Math.min(WARMUP_CHUNK, wanted - candles.length);
    const chunk = await call(Subjects.candles, {
      symbol,
      interval,
      limit,
      ...(oldest ? { to: String(BigInt(oldest.tsOpen) - 1n) } : {}),
    });
    // Only bars older than those held: a store that read `to` loosely cannot make a repeat.
    const older = oldest ? chunk.filter((c) => BigInt(c.tsOpen) < BigInt(oldest.tsOpen)) : chunk;
    candles = [...older, ...candles];
    if (chunk.length < limit || older.length === 0) break;
  }
  return candles;
}
