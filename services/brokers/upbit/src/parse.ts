import { floatDecimal, venueDecimal } from "@jts/broker-kit";
import {
  type Balance,
  type Candle,
  type CandleInterval,
  type ExecutionReport,
  fromFixed,
  type Instrument,
  msToNs,
  type OrderStatus,
  type OrderType,
  type Position,
  type Quote,
  type Tick,
  toFixed,
  type VenueOrder,
} from "@jts/contracts";
import { UPBIT_VENUE } from "./constants.ts";
import { fromUpbitMarket } from "./symbols.ts";

const SYMBOL_PATTERN = /^[A-Z0-9]{2,12}-[A-Z]{2,6}$/;
const CURRENCY_PATTERN = /^[A-Z]{2,6}$/;
/** Upbit sends doubles in streams and strings in REST answers. */
const num = (value: number | string | null | undefined) =>
  typeof value === "string" ? venueDecimal(value) : floatDecimal(value ?? 0);

/** Fields of the public `trade` stream (DEFAULT format). */
export interface UpbitTrade {
  type: "trade";
  code: string;
  trade_price: number;
  trade_volume: number;
  ask_bid: "ASK" | "BID";
  trade_timestamp: number;
  sequential_id: number;
  stream_type?: string;
}

/** A trade print: ASK means a sell order took the bid (the seller was the aggressor). */
export function parseTrade(frame: UpbitTrade): Tick {
  return {
    symbol: fromUpbitMarket(frame.code),
    venue: UPBIT_VENUE,
    price: num(frame.trade_price),
    quantity: num(frame.trade_volume),
    aggressor: frame.ask_bid === "ASK" ? "SELL" : frame.ask_bid === "BID" ? "BUY" : "NONE",
    tradeId: String(frame.sequential_id),
    tsEvent: msToNs(frame.trade_timestamp).toString(),
  };
}

export interface UpbitOrderbook {
  type: "orderbook";
  code: string;
  timestamp: number;
  orderbook_units: Array<{ ask_price: number; bid_price: number; ask_size: number; bid_size: number }>;
}

/** The top of the book as a Quote; an empty book gives null. */
export function parseOrderbook(frame: UpbitOrderbook): Quote | null {
  const top = frame.orderbook_units[0];
  if (!top) return null;
  return {
    symbol: fromUpbitMarket(frame.code),
    venue: UPBIT_VENUE,
    bid: num(top.bid_price),
    bidSize: num(top.bid_size),
    ask: num(top.ask_price),
    askSize: num(top.ask_size),
    tsEvent: msToNs(frame.timestamp).toString(),
  };
}

export interface UpbitTicker {
  type: "ticker";
  code: string;
  trade_price: number;
  signed_change_rate: number;
  acc_trade_volume_24h: number;
  timestamp: number;
  stream_type: "SNAPSHOT" | "REALTIME";
}

/** The ticker's last price, 24 h change and volume (no contracts event carries it; the connector keeps the latest). */
export interface TickerView {
  symbol: string;
  lastPrice: string;
  changeRate: string;
  volume24h: string;
  snapshot: boolean;
  tsEvent: string;
}

export function parseTicker(frame: UpbitTicker): TickerView {
  return {
    symbol: fromUpbitMarket(frame.code),
    lastPrice: num(frame.trade_price),
    changeRate: num(frame.signed_change_rate),
    volume24h: num(frame.acc_trade_volume_24h),
    snapshot: frame.stream_type === "SNAPSHOT",
    tsEvent: msToNs(frame.timestamp).toString(),
  };
}

/** The private `myOrder` stream (DEFAULT format). */
export interface UpbitMyOrder {
  type: "myOrder";
  code: string;
  uuid: string;
  ask_bid: "ASK" | "BID";
  order_type: string;
  state: "wait" | "watch" | "trade" | "done" | "cancel" | "prevented";
  trade_uuid?: string | null;
  price: number;
  volume: number;
  /** What the order has executed in all, this trade included (`volume` is the trade's). */
  executed_volume?: number | null;
  trade_fee?: number | null;
  is_maker?: boolean | null;
  identifier?: string | null;
  timestamp: number;
  trade_timestamp?: number | null;
}

/**
 * myOrder -> ExecutionReport, under the JTS order id sent as `identifier`.
 * `wait` is the acceptance, `trade` one fill (price and volume are the
 * trade's), `cancel` and `prevented` (self-trade prevention) end the order;
 * `done` only restates a fill already reported and `watch` is a pending
 * stop, so both give null. A fill carries the order's `executed_volume` as
 * its cumulative quantity, so the OMS can tell a late report of a fill its
 * reconciliation booked already from a new one.
 */
export function parseMyOrder(frame: UpbitMyOrder, account: string, quoteCurrency?: string): ExecutionReport | null {
  const kind = (
    { wait: "ACCEPTED", trade: "FILL", cancel: "CANCELED", prevented: "EXPIRED" } as Record<
      string,
      ExecutionReport["kind"] | undefined
    >
  )[frame.state];
  if (!kind || !frame.identifier) return null;
  const symbol = fromUpbitMarket(frame.code);
  return {
    orderId: frame.identifier,
    account,
    venue: UPBIT_VENUE,
    symbol,
    side: frame.ask_bid === "BID" ? "BUY" : "SELL",
    kind,
    fill:
      kind === "FILL"
        ? {
            fillId: frame.trade_uuid ?? `${frame.uuid}-${frame.trade_timestamp ?? frame.timestamp}`,
            price: num(frame.price),
            quantity: num(frame.volume),
            fee: num(frame.trade_fee),
            feeCurrency: quoteCurrency ?? frame.code.split("-")[0] ?? "KRW",
            liquidity: frame.is_maker ? "MAKER" : "TAKER",
            ...(typeof frame.executed_volume === "number" ? { cumulativeQuantity: num(frame.executed_volume) } : {}),
          }
        : null,
    reason: frame.state === "prevented" ? "self-trade prevented" : null,
    tsEvent: msToNs(frame.trade_timestamp ?? frame.timestamp).toString(),
  };
}

/** A REST order (POST /v1/orders answer, GET /v1/order, GET /v1/orders/open). */
export interface UpbitOrder {
  uuid: string;
  side: "bid" | "ask";
  ord_type: string;
  price: string | null;
  state: string;
  market: string;
  created_at: string;
  volume: string | null;
  remaining_volume: string | null;
  executed_volume: string;
  identifier?: string | null;
  trades?: Array<{ price: string; volume: string; funds: string }>;
}

const ORDER_STATUS: Record<string, OrderStatus> = { wait: "ACCEPTED", watch: "ACCEPTED", cancel: "CANCELED" };
const ORDER_TYPE: Record<string, OrderType> = { limit: "LIMIT", price: "MARKET", market: "MARKET", best: "MARKET" };

export function parseOrder(order: UpbitOrder, account: string): VenueOrder | null {
  const type = ORDER_TYPE[order.ord_type];
  if (!type) return null;
  const executed = toFixed(num(order.executed_volume));
  const volume = order.volume === null ? executed : toFixed(num(order.volume));
  let status = ORDER_STATUS[order.state];
  if (order.state === "done") status = "FILLED";
  if (status === "ACCEPTED" && executed > 0n) status = "PARTIALLY_FILLED";
  if (status === "CANCELED" && executed > 0n && executed === volume) status = "FILLED";
  if (!status) return null;
  const trades = order.trades ?? [];
  const funds = trades.reduce((sum, t) => sum + toFixed(num(t.funds)), 0n);
  const tradedVolume = trades.reduce((sum, t) => sum + toFixed(num(t.volume)), 0n);
  return {
    orderId: order.identifier ?? null,
    venueOrderId: order.uuid,
    account,
    venue: UPBIT_VENUE,
    symbol: fromUpbitMarket(order.market),
    side: order.side === "bid" ? "BUY" : "SELL",
    type,
    status,
    quantity: fromFixed(volume),
    filledQuantity: fromFixed(executed),
    price: order.ord_type === "limit" && order.price ? num(order.price) : null,
    averagePrice: tradedVolume > 0n ? fromFixed((funds * 1_000_000_000n) / tradedVolume) : null,
    tsEvent: msToNs(Date.parse(order.created_at)).toString(),
  };
}

export interface UpbitAccount {
  currency: string;
  balance: string;
  locked: string;
  avg_buy_price: string;
  unit_currency: string;
}

export function parseBalances(accounts: UpbitAccount[], account: string): Balance[] {
  return accounts
    .filter((a) => CURRENCY_PATTERN.test(a.currency))
    .map((a) => {
      const free = toFixed(num(a.balance));
      const locked = toFixed(num(a.locked));
      return {
        account,
        currency: a.currency,
        total: fromFixed(free + locked),
        free: fromFixed(free),
        locked: fromFixed(locked),
      };
    });
}

/** Upbit keeps an average buy price per coin, so holdings are positions (unrealized P&L is the portfolio's job). */
export function parsePositions(accounts: UpbitAccount[], account: string, nowNs: string): Position[] {
  return accounts
    .filter((a) => a.currency !== a.unit_currency && SYMBOL_PATTERN.test(`${a.currency}-${a.unit_currency}`))
    .map((a) => ({
      account,
      symbol: `${a.currency}-${a.unit_currency}`,
      venue: UPBIT_VENUE,
      quantity: fromFixed(toFixed(num(a.balance)) + toFixed(num(a.locked))),
      averagePrice: num(a.avg_buy_price),
      realizedPnl: "0",
      unrealizedPnl: "0",
      lastPrice: null,
      currency: a.unit_currency,
      updatedAt: nowNs,
    }));
}

export interface UpbitMarket {
  market: string;
  korean_name?: string;
  english_name?: string;
}

/**
 * Instruments from /v1/market/all. Upbit publishes no lot size and sets the
 * KRW tick size by price band (docs "마켓별 주문 정책"), so the catalog holds
 * the finest KRW tick and the 5,000 KRW minimum order; orders are checked by
 * the venue against the band of their price.
 */
export function parseMarkets(markets: UpbitMarket[]): Instrument[] {
  const out: Instrument[] = [];
  for (const m of markets) {
    const symbol = fromUpbitMarket(m.market);
    const [base, quote] = symbol.split("-") as [string, string];
    if (!SYMBOL_PATTERN.test(symbol)) continue;
    const krw = quote === "KRW";
    out.push({
      symbol,
      venue: UPBIT_VENUE,
      kind: "CRYPTO",
      base,
      quote,
      tickSize: krw ? "0.0001" : "0.00000001",
      lotSize: "0.00000001",
      minQuantity: "0.00000001",
      maxQuantity: "100000000",
      minNotional: krw ? "5000" : quote === "BTC" ? "0.00005" : "1",
      makerFee: "0.0005",
      takerFee: "0.0005",
    });
  }
  return out;
}

/** A REST candle (minutes or days). Upbit does not report trade counts. */
export interface UpbitCandle {
  market: string;
  candle_date_time_utc: string;
  opening_price: number;
  high_price: number;
  low_price: number;
  trade_price: number;
  candle_acc_trade_volume: number;
}

export function parseCandle(
  row: UpbitCandle,
  interval: CandleInterval,
  intervalMs: number,
  nowMs = Date.now(),
): Candle {
  const openMs = Date.parse(`${row.candle_date_time_utc}Z`);
  return {
    symbol: fromUpbitMarket(row.market),
    venue: UPBIT_VENUE,
    interval,
    tsOpen: msToNs(openMs).toString(),
    open: num(row.opening_price),
    high: num(row.high_price),
    low: num(row.low_price),
    close: num(row.trade_price),
    volume: num(row.candle_acc_trade_volume),
    trades: 0,
    closed: openMs + intervalMs <= nowMs,
  };
}
