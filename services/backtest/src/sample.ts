import { type Candle, fx } from "@jts/contracts";
import type { MarketEvent } from "./csv.ts";

export const SAMPLE_SYMBOL = "BTC-KRW";
export const SAMPLE_SEED = 20260105;
export const SAMPLE_BARS = 2880;
/** 2026-01-05T00:00:00Z. */
export const SAMPLE_START_NS = 1_767_571_200_000_000_000n;
const MINUTE_NS = 60_000_000_000n;

/** mulberry32: small, fast, and the same sequence on every machine for a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SampleOptions {
  seed?: number;
  bars?: number;
  symbol?: string;
  startPrice?: number;
  /** Prices are rounded to this step (BTC-KRW trades in 1000 KRW ticks). */
  tickSize?: number;
}

/**
 * Deterministic 1m candles: a random walk whose drift switches between
 * trending and mean-reverting regimes every few hours, so crossovers,
 * breakouts and band touches all happen. Two days by default.
 */
export function generateSampleCandles(options: SampleOptions = {}): MarketEvent[] {
  const random = seededRandom(options.seed ?? SAMPLE_SEED);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const tick = options.tickSize ?? 1000;
  const symbol = options.symbol ?? SAMPLE_SYMBOL;
  const round = (p: number) => Math.max(tick, Math.round(p / tick) * tick);
  let price = options.startPrice ?? 140_000_000;
  const anchor = price;
  let drift = 0;
  const events: MarketEvent[] = [];
  for (let i = 0; i < (options.bars ?? SAMPLE_BARS); i++) {
    if (i % 240 === 0) drift = (random() - 0.5) * 0.0008;
    const open = price;
    // A pull toward the anchor keeps two days of data inside a believable range.
    const step = drift + 0.0012 * gauss() - 0.002 * Math.log(price / anchor);
    const close = open * Math.exp(step);
    const high = Math.max(open, close) * (1 + Math.abs(gauss()) * 0.0004);
    const low = Math.min(open, close) * (1 - Math.abs(gauss()) * 0.0004);
    price = close;
    const candle: Candle = {
      symbol,
      venue: "sim",
      interval: "1m",
      tsOpen: String(SAMPLE_START_NS + BigInt(i) * MINUTE_NS),
      open: String(round(open)),
      high: String(round(high)),
      low: String(round(low)),
      close: String(round(close)),
      volume: fx.fromFixed(fx.toFixed((0.5 + random() * 3).toFixed(8))),
      trades: 0,
      closed: true,
    };
    events.push({ kind: "candle", candle });
  }
  return events;
}
