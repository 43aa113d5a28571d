import { type Candle, type CandleInterval, fx, type Tick, type Venue } from "@jts/contracts";

/** One replayed market event, in time order. */
export type MarketEvent = { kind: "tick"; tick: Tick } | { kind: "candle"; candle: Candle };

export const TICK_HEADER = "ts,symbol,price,quantity";
export const CANDLE_HEADER = "ts,symbol,interval,open,high,low,close,volume";
const INTERVALS = new Set(["1m", "5m", "1h", "1d"]);

export class CsvError extends Error {}

/**
 * The backtest CSV: a header line, then one row per event, oldest first.
 * Ticks:   `ts,symbol,price,quantity`
 * Candles: `ts,symbol,interval,open,high,low,close,volume` (ts = the bar's open time)
 * `ts` is nanoseconds since the epoch or an ISO 8601 time; prices and
 * quantities are plain decimals (at most 9 places). Extra columns are
 * ignored, so exports with more fields load as they are.
 */
export function parseCsv(text: string, venue: Venue = "sim"): MarketEvent[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "" && !l.startsWith("#"));
  const header = (lines.shift() ?? "").split(",").map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const isCandles = col("close") >= 0;
  const required = (isCandles ? CANDLE_HEADER : TICK_HEADER).split(",");
  const missing = required.filter((name) => col(name) < 0);
  if (missing.length > 0)
    throw new CsvError(`CSV header lacks ${missing.join(", ")}; expected ${TICK_HEADER} or ${CANDLE_HEADER}`);

  let previous = -1n;
  return lines.map((line, index) => {
    const cells = line.split(",").map((c) => c.trim());
    const at = (name: string) => cells[col(name)] ?? "";
    const where = `CSV line ${index + 2}`;
    const ts = parseTime(at("ts"), where);
    if (ts < previous) throw new CsvError(`${where}: time goes backwards`);
    previous = ts;
    const decimal = (name: string) => {
      const value = at(name);
      try {
        return fx.fromFixed(fx.toFixed(value));
      } catch {
        throw new CsvError(`${where}: ${name} "${value}" is not a decimal`);
      }
    };
    const symbol = at("symbol");
    if (!symbol) throw new CsvError(`${where}: symbol is empty`);
    if (!isCandles) {
      const tick: Tick = {
        symbol,
        venue,
        price: decimal("price"),
        quantity: decimal("quantity"),
        aggressor: "NONE",
        tradeId: `csv-${index + 1}`,
        tsEvent: String(ts),
      };
      return { kind: "tick", tick };
    }
    const interval = at("interval");
    if (!INTERVALS.has(interval)) throw new CsvError(`${where}: interval "${interval}" is not one of 1m, 5m, 1h, 1d`);
    const candle: Candle = {
      symbol,
      venue,
      interval: interval as CandleInterval,
      tsOpen: String(ts),
      open: decimal("open"),
      high: decimal("high"),
      low: decimal("low"),
      close: decimal("close"),
      volume: decimal("volume"),
      trades: 0,
      closed: true,
    };
    return { kind: "candle", candle };
  });
}

function parseTime(value: string, where: string): bigint {
  if (/^\d{1,19}$/.test(value)) return BigInt(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new CsvError(`${where}: ts "${value}" is neither nanoseconds nor an ISO 8601 time`);
  return BigInt(ms) * 1_000_000n;
}

export function toCsv(events: readonly MarketEvent[]): string {
  const first = events[0];
  if (!first || first.kind === "tick") {
    const rows = events.flatMap((e) =>
      e.kind === "tick" ? [`${e.tick.tsEvent},${e.tick.symbol},${e.tick.price},${e.tick.quantity}`] : [],
    );
    return `${[TICK_HEADER, ...rows].join("\n")}\n`;
  }
  const rows = events.flatMap((e) =>
    e.kind === "candle"
      ? [
          [
            e.candle.tsOpen,
            e.candle.symbol,
            e.candle.interval,
            e.candle.open,
            e.candle.high,
            e.candle.low,
            e.candle.close,
            e.candle.volume,
          ].join(","),
        ]
      : [],
  );
  return `${[CANDLE_HEADER, ...rows].join("\n")}\n`;
}

export function eventPrice(event: MarketEvent): string {
  return event.kind === "tick" ? event.tick.price : event.candle.close;
}

export function eventSymbol(event: MarketEvent): string {
  return event.kind === "tick" ? event.tick.symbol : event.candle.symbol;
}
