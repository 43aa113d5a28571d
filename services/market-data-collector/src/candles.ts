import { type Candle, type CandleInterval, fx, type Tick } from "@jts/contracts";

const MINUTE_NS = 60_000_000_000n;
export const INTERVAL_NS: Record<CandleInterval, bigint> = {
  "1m": MINUTE_NS,
  "5m": 5n * MINUTE_NS,
  "1h": 60n * MINUTE_NS,
  "1d": 1440n * MINUTE_NS,
};

interface Bar {
  tsOpen: bigint;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  volume: bigint;
  trades: number;
}

/**
 * Builds 1-minute candles per symbol from trade ticks and keeps the last
 * `capacity` of them; longer intervals are rolled up from these on request.
 * A tick older than the current bar's minute is folded into the current bar
 * rather than rewriting history (late prints are rare and tiny here).
 */
export class CandleBook {
  private readonly bars = new Map<string, { venue: Candle["venue"]; list: Bar[] }>();

  constructor(private readonly capacity = 1440 * 2) {}

  /**
   * Adds a tick; returns the bar it closed, if the tick opened a new minute.
   * The open bar is built by current() only when someone wants it: formatting
   * it costs more than the update, and the store adds every tick.
   */
  add(tick: Tick): { opened: boolean; closed: Candle | null } {
    const ts = BigInt(tick.tsEvent);
    const bucket = ts - (ts % MINUTE_NS);
    const price = fx.toFixed(tick.price);
    const quantity = fx.toFixed(tick.quantity);
    let series = this.bars.get(tick.symbol);
    if (!series) {
      series = { venue: tick.venue, list: [] };
      this.bars.set(tick.symbol, series);
    }
    const last = series.list.at(-1);
    if (last && bucket <= last.tsOpen) {
      last.high = fx.max(price, last.high);
      last.low = fx.min(price, last.low);
      last.close = price;
      last.volume += quantity;
      last.trades++;
      return { opened: false, closed: null };
    }
    const closed = last ? toCandle(tick.symbol, series.venue, "1m", last, true) : null;
    series.list.push({
      tsOpen: bucket,
      open: price,
      high: price,
      low: price,
      close: price,
      volume: quantity,
      trades: 1,
    });
    if (series.list.length > this.capacity) series.list.shift();
    return { opened: true, closed };
  }

  /** The bar in progress of `symbol` (closed=false), if it has traded. */
  current(symbol: string): Candle | undefined {
    const series = this.bars.get(symbol);
    const bar = series?.list.at(-1);
    return series && bar ? toCandle(symbol, series.venue, "1m", bar, false) : undefined;
  }

  /** Candles with open time in [from, to], oldest first; the newest is open (closed=false). */
  query(symbol: string, interval: CandleInterval, fromNs?: bigint, toNs?: bigint, limit = 1000): Candle[] {
    const series = this.bars.get(symbol);
    if (!series) return [];
    const size = INTERVAL_NS[interval];
    const rolled: Bar[] = [];
    for (const bar of series.list) {
      const bucket = bar.tsOpen - (bar.tsOpen % size);
      const target = rolled.at(-1);
      if (target && target.tsOpen === bucket) {
        target.high = fx.max(bar.high, target.high);
        target.low = fx.min(bar.low, target.low);
        target.close = bar.close;
        target.volume += bar.volume;
        target.trades += bar.trades;
      } else rolled.push({ ...bar, tsOpen: bucket });
    }
    const lastIndex = rolled.length - 1;
    return rolled
      .map((bar, i) => toCandle(symbol, series.venue, interval, bar, i < lastIndex))
      .filter(
        (c) => (fromNs === undefined || BigInt(c.tsOpen) >= fromNs) && (toNs === undefined || BigInt(c.tsOpen) <= toNs),
      )
      .slice(-limit);
  }
}

function toCandle(symbol: string, venue: Candle["venue"], interval: CandleInterval, bar: Bar, closed: boolean): Candle {
  return {
    symbol,
    venue,
    interval,
    tsOpen: bar.tsOpen.toString(),
    open: fx.fromFixed(bar.open),
    high: fx.fromFixed(bar.high),
    low: fx.fromFixed(bar.low),
    close: fx.fromFixed(bar.close),
    volume: fx.fromFixed(bar.volume),
    trades: bar.trades,
    closed,
  };
}
