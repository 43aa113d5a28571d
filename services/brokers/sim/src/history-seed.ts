import { type Candle, type CandleQuery, fx, type Instrument, type Tick } from "@jts/contracts";
import { DEFAULT_SIM_SETTINGS, type SimSymbolSettings } from "./market.ts";
import { gaussian, seededRandom } from "./random.ts";

const MINUTE_MS = 60_000;
const MS_NS = 1_000_000n;
/** Prints per seeded minute: open, the two extremes in random order, close. */
const PRINTS_AT_SECONDS = [0, 15, 30, 45];

/** Where seeded ticks go: the collector's candle store (CandleHistory), which builds the candles. */
export interface SeedTarget {
  writeTick(tick: Tick): void | Promise<void>;
  candles(query: CandleQuery): Promise<Candle[]>;
}

export interface HistorySeedOptions {
  /** How many days back from `nowMs`; 0 seeds nothing. */
  days: number;
  nowMs: number;
  seed: number;
  /** Typical daily move as a fraction of the price (default 3%). */
  dailyVolatility?: number;
  /**
   * The live feed's step (SIM_INTERVAL_MS): a seeded minute trades as much as a live one, one
   * trade a step, so the volume bars do not jump where history meets the live feed. Default 250.
   */
  liveIntervalMs?: number;
  settings?: Record<string, SimSymbolSettings>;
  /** Whether the instrument trades in that minute (its session); every minute when not given. */
  trades?: (instrument: Instrument, minuteMs: number) => boolean;
}

/**
 * A few days of 1-minute history for each simulated symbol, oldest first,
 * ending at the symbol's starting price in `settings` one minute before
 * `nowMs`, where the live feed (SimMarket) starts. The walk is drawn backwards
 * from that price, so history and live prices join without a jump. Four
 * prints a minute make each bar's open, high, low and close; sizes are the
 * live feed's trade sizes. Minutes the instrument does not trade are skipped.
 */
export function historyTicks(instruments: readonly Instrument[], options: HistorySeedOptions): Tick[] {
  const random = seededRandom(options.seed ^ 0x5eed);
  const settings = options.settings ?? DEFAULT_SIM_SETTINGS;
  const minutes = Math.floor(options.days * 24 * 60);
  const perMinute = (options.dailyVolatility ?? 0.03) / Math.sqrt(24 * 60);
  const lastMinute = Math.floor(options.nowMs / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
  // Each of the four prints stands for a quarter of a live minute's trades.
  const tradesPerPrint = Math.max(1, MINUTE_MS / (options.liveIntervalMs ?? 250) / PRINTS_AT_SECONDS.length);
  const out: Tick[] = [];
  for (const instrument of instruments) {
    const s = settings[instrument.symbol];
    if (!s) continue;
    const tick = fx.toFixed(instrument.tickSize);
    const lot = fx.toFixed(instrument.lotSize);
    const floor = 10n; // ticks: the live walk's floor too, so the price never reaches zero
    let closeTicks = fx.toFixed(s.price) / tick;
    const sigma = Number(closeTicks) * perMinute;
    const ticksOf = (draw: number) => BigInt(Math.round(draw));
    const newestFirst: Tick[][] = [];
    for (let m = 0; m < minutes; m++) {
      const minuteMs = lastMinute - m * MINUTE_MS;
      if (options.trades && !options.trades(instrument, minuteMs)) continue;
      const openTicks = fx.max(floor, closeTicks - ticksOf(gaussian(random) * sigma));
      const top = fx.max(openTicks, closeTicks) + ticksOf(Math.abs(gaussian(random)) * sigma * 0.5);
      const bottom = fx.max(floor, fx.min(openTicks, closeTicks) - ticksOf(Math.abs(gaussian(random)) * sigma * 0.5));
      const extremes = random() < 0.5 ? [top, bottom] : [bottom, top];
      const prices = [openTicks, ...extremes, closeTicks];
      newestFirst.push(
        prices.map((p, i) => {
          const buy = random() < 0.5;
          const lots = BigInt(Math.max(1, Math.round(s.tradeLots * (1 + 2 * random()) * tradesPerPrint)));
          return {
            symbol: instrument.symbol,
            venue: instrument.venue,
            price: fx.fromFixed(p * tick),
            quantity: fx.fromFixed(lots * lot),
            aggressor: buy ? "BUY" : "SELL",
            tradeId: `${instrument.symbol}-seed-${minuteMs}-${i}`,
            tsEvent: (BigInt(minuteMs + (PRINTS_AT_SECONDS[i] ?? 0) * 1000) * MS_NS).toString(),
          } satisfies Tick;
        }),
      );
      closeTicks = openTicks;
    }
    for (let i = newestFirst.length - 1; i >= 0; i--) out.push(...(newestFirst[i] ?? []));
  }
  return out;
}

/**
 * Seeds `target` with historyTicks for every symbol it has no candle of yet:
 * a fresh store gets a chart worth scrolling back through, a store that kept
 * its history across a restart (chdb) is left as it is. Runs before the live
 * feed starts, since a store may fold a late tick into its newest bar.
 */
export async function seedSimHistory(
  target: SeedTarget,
  instruments: readonly Instrument[],
  options: HistorySeedOptions,
): Promise<{ seeded: string[]; ticks: number }> {
  if (options.days <= 0) return { seeded: [], ticks: 0 };
  const empty: Instrument[] = [];
  for (const instrument of instruments)
    if ((await target.candles({ symbol: instrument.symbol, limit: 1 })).length === 0) empty.push(instrument);
  const ticks = historyTicks(empty, options);
  for (const tick of ticks) await target.writeTick(tick);
  return { seeded: [...new Set(ticks.map((t) => t.symbol))], ticks: ticks.length };
}
