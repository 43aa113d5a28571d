import { venueDecimal } from "@jts/broker-kit";
import {
  type Balance,
  type Candle,
  type CandleInterval,
  type ExecutionReport,
  fromFixed,
  fx,
  type Instrument,
  msToNs,
  nowNsString,
  type OrderStatus,
  type OrderType,
  type Quote,
  toFixed,
  type VenueOrder,
} from "@jts/contracts";
import { BINANCE_VENUE } from "./constants.ts";
import type { BinanceSymbols } from "./symbols.ts";

const SYMBOL_PATTERN = /^[A-Z0-9]{2,12}-[A-Z]{2,6}$/;
const CURRENCY_PATTERN = /^[A-Z]{2,6}$/;
const JTS_ORDER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface BinanceFilter {
  filterType: string;
  [field: string]: unknown;
}

export interface BinanceSymbolInfo {
  symbol: string;
  status: string;
  baseAsset: string;
  quoteAsset: string;
  filters: BinanceFilter[];
}

export interface BinanceRateLimit {
  rateLimitType: "REQUEST_WEIGHT" | "ORDERS" | "RAW_REQUESTS";
  interval: "SECOND" | "MINUTE" | "HOUR" | "DAY";
  intervalNum: number;
  limit: number;
}

export interface BinanceExchangeInfo {
  serverTime?: number;
  rateLimits: BinanceRateLimit[];
  symbols: BinanceSymbolInfo[];
}

/** Default spot fee (0.1 %); exchangeInfo carries no fees, the account's commission endpoint does. */
const DEFAULT_FEE = "0.001";

/** Trading symbols whose codes fit the contracts, with tick size, lot size and min notional from the filters. */
export function parseExchangeInfo(info: BinanceExchangeInfo): Instrument[] {
  const instruments: Instrument[] = [];
  for (const s of info.symbols) {
    const symbol = `${s.baseAsset}-${s.quoteAsset}`;
    if (s.status !== "TRADING" || !SYMBOL_PATTERN.test(symbol) || !CURRENCY_PATTERN.test(s.quoteAsset)) continue;
    const filter = (type: string) => s.filters.find((f) => f.filterType === type);
    const price = filter("PRICE_FILTER");
    const lot = filter("LOT_SIZE");
    const notional = filter("NOTIONAL") ?? filter("MIN_NOTIONAL");
    if (!price || !lot) continue;
    instruments.push({
      symbol,
      venue: BINANCE_VENUE,
      kind: "CRYPTO",
      base: s.baseAsset,
      quote: s.quoteAsset,
      tickSize: venueDecimal(String(price.tickSize)),
      lotSize: venueDecimal(String(lot.stepSize)),
      minQuantity: venueDecimal(String(lot.minQty)),
      maxQuantity: venueDecimal(String(lot.maxQty)),
      minNotional: venueDecimal(String(notional?.minNotional ?? "0")),
      makerFee: DEFAULT_FEE,
      takerFee: DEFAULT_FEE,
    });
  }
  return instruments;
}

const INTERVAL_MS = { SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 } as const;

/** The venue's own statement of its limits, to compare with the configured ones at start. */
export function describeRateLimits(
  limits: BinanceRateLimit[],
): Array<{ type: string; windowMs: number; limit: number }> {
  return limits.map((l) => ({
    type: l.rateLimitType,
    windowMs: INTERVAL_MS[l.interval] * l.intervalNum,
    limit: l.limit,
  }));
}

/** bookTicker (spot has no event time in it: stamped on arrival). */
export function parseBookTicker(
  data: { s: string; b: string; B: string; a: string; A: string },
  symbols: BinanceSymbols,
): Quote | null {
  const symbol = symbols.fromVenue(data.s);
  if (!symbol) return null;
  return {
    symbol,
    venue: BINANCE_VENUE,
    bid: venueDecimal(data.b),
    bidSize: venueDecimal(data.B),
    ask: venueDecimal(data.a),
    askSize: venueDecimal(data.A),
    tsEvent: nowNsString(),
  };
}

const INTERVALS: Record<string, CandleInterval> = { "1m": "1m", "5m": "5m", "1h": "1h", "1d": "1d" };

export interface BinanceKlineEvent {
  e: "kline";
  s: string;
  k: { t: number; i: string; o: string; h: string; l: string; c: string; v: string; n: number; x: boolean };
}

/** A kline event; intervals the contracts do not carry are dropped (null). */
export function parseKlineEvent(event: BinanceKlineEvent, symbols: BinanceSymbols): Candle | null {
  const symbol = symbols.fromVenue(event.s);
  const interval = INTERVALS[event.k.i];
  if (!symbol || !interval) return null;
  const k = event.k;
  return candle(symbol, interval, k.t, k.o, k.h, k.l, k.c, k.v, k.n, k.x);
}

/** A REST kline row: [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, ...]. */
export type BinanceKlineRow = [number, string, string, string, string, string, number, string, number, ...unknown[]];

export function parseKlineRow(
  row: BinanceKlineRow,
  symbol: string,
  interval: CandleInterval,
  nowMs = Date.now(),
): Candle {
  const [openTime, open, high, low, close, volume, closeTime, , trades] = row;
  return candle(symbol, interval, openTime, open, high, low, close, volume, trades, closeTime < nowMs);
}

function candle(
  symbol: string,
  interval: CandleInterval,
  openMs: number,
  open: string,
  high: string,
  low: string,
  close: string,
  volume: string,
  trades: number,
  closed: boolean,
): Candle {
  return {
    symbol,
    venue: BINANCE_VENUE,
    interval,
    tsOpen: msToNs(openMs).toString(),
    open: venueDecimal(open),
    high: venueDecimal(high),
    low: venueDecimal(low),
    close: venueDecimal(close),
    volume: venueDecimal(volume),
    trades,
    closed,
  };
}

/** The user-data `executionReport` event (single-letter keys as documented). */
export interface BinanceExecutionReport {
  e: "executionReport";
  E: number;
  s: string;
  c: string;
  S: "BUY" | "SELL";
  o: string;
  x: string;
  X: string;
  r: string;
  i: number;
  l: string;
  /** Cumulative filled quantity of the order (its executedQty); absent in older frames. */
  z?: string;
  L: string;
  n: string;
  N: string | null;
  T: number;
  t: number;
  m: boolean;
  /** Original client order id of a canceled order ("" otherwise). */
  C: string;
}

const EXECUTION_KINDS: Record<string, ExecutionReport["kind"] | undefined> = {
  NEW: "ACCEPTED",
  TRADE: "FILL",
  CANCELED: "CANCELED",
  REJECTED: "REJECTED",
  EXPIRED: "EXPIRED",
  TRADE_PREVENTION: "EXPIRED",
};

/**
 * executionReport -> ExecutionReport. The JTS order id travels as the client
 * order id; a cancel carries it in `C` (its own `c` is the cancel's id).
 * REPLACED (amend keeping priority) and unknown symbols give null.
 */
export function parseExecutionReport(
  event: BinanceExecutionReport,
  symbols: BinanceSymbols,
  account: string,
): ExecutionReport | null {
  const kind = EXECUTION_KINDS[event.x];
  const symbol = symbols.fromVenue(event.s);
  if (!kind || !symbol) return null;
  const orderId = event.x === "CANCELED" && event.C ? event.C : event.c;
  return {
    orderId,
    account,
    venue: BINANCE_VENUE,
    symbol,
    side: event.S,
    kind,
    fill:
      kind === "FILL"
        ? {
            fillId: `${event.s}-${event.t}`,
            price: venueDecimal(event.L),
            quantity: venueDecimal(event.l),
            fee: venueDecimal(event.n),
            feeCurrency: event.N ?? "",
            liquidity: event.m ? "MAKER" : "TAKER",
            ...(event.z === undefined ? {} : { cumulativeQuantity: venueDecimal(event.z) }),
          }
        : null,
    reason: event.r && event.r !== "NONE" ? event.r : null,
    tsEvent: msToNs(kind === "FILL" ? event.T : event.E).toString(),
  };
}

export interface BinanceOrder {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  price: string;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  status: string;
  type: string;
  side: "BUY" | "SELL";
  updateTime?: number;
  time?: number;
}

const ORDER_STATUS: Record<string, OrderStatus> = {
  NEW: "ACCEPTED",
  PENDING_NEW: "NEW",
  PARTIALLY_FILLED: "PARTIALLY_FILLED",
  FILLED: "FILLED",
  CANCELED: "CANCELED",
  PENDING_CANCEL: "ACCEPTED",
  REJECTED: "REJECTED",
  EXPIRED: "EXPIRED",
  EXPIRED_IN_MATCH: "EXPIRED",
};

const ORDER_TYPES: Record<string, OrderType> = {
  MARKET: "MARKET",
  LIMIT: "LIMIT",
  LIMIT_MAKER: "LIMIT",
  STOP_LOSS: "STOP_MARKET",
  TAKE_PROFIT: "STOP_MARKET",
  STOP_LOSS_LIMIT: "STOP_LIMIT",
  TAKE_PROFIT_LIMIT: "STOP_LIMIT",
};

/** A REST order. Orders JTS did not place (client ids that are not its UUIDs) get `orderId: null`. */
export function parseOrder(order: BinanceOrder, symbols: BinanceSymbols, account: string): VenueOrder | null {
  const symbol = symbols.fromVenue(order.symbol);
  const status = ORDER_STATUS[order.status];
  const type = ORDER_TYPES[order.type];
  if (!symbol || !status || !type) return null;
  const filled = toFixed(venueDecimal(order.executedQty));
  const price = venueDecimal(order.price);
  return {
    orderId: JTS_ORDER_ID.test(order.clientOrderId) ? order.clientOrderId : null,
    venueOrderId: String(order.orderId),
    account,
    venue: BINANCE_VENUE,
    symbol,
    side: order.side,
    type,
    status,
    quantity: venueDecimal(order.origQty),
    filledQuantity: fromFixed(filled),
    price: price === "0" ? null : price,
    averagePrice: filled > 0n ? fromFixed(fx.div(toFixed(venueDecimal(order.cummulativeQuoteQty)), filled)) : null,
    tsEvent: msToNs(order.updateTime ?? order.time ?? Date.now()).toString(),
  };
}

/** Account balances; assets whose codes the contracts cannot carry (1INCH) are skipped. */
export function parseBalances(
  balances: Array<{ asset: string; free: string; locked: string }>,
  account: string,
): Balance[] {
  const out: Balance[] = [];
  for (const b of balances) {
    if (!CURRENCY_PATTERN.test(b.asset)) continue;
    const free = toFixed(venueDecimal(b.free));
    const locked = toFixed(venueDecimal(b.locked));
    if (free === 0n && locked === 0n) continue;
    out.push({
      account,
      currency: b.asset,
      total: fromFixed(free + locked),
      free: fromFixed(free),
      locked: fromFixed(locked),
    });
  }
  return out;
}
