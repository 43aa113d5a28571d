import { kstToEpochMs } from "@jts/broker-kit";
import { msToNs, type Tick } from "@jts/contracts";
import { type Static, Type as t } from "@sinclair/typebox";

/** The bridge's JSON shapes (BRIDGE.md), checked on the Linux side before use, and what JTS makes of them. */

const Digits = t.String({ pattern: "^\\d{1,20}$" });
const Amount = t.String({ pattern: "^-?\\d{1,20}(\\.\\d{1,9})?$" });
export const CreonCode = t.String({ pattern: "^A\\d{6}$" });
const CreonSide = t.Union([t.Literal("BUY"), t.Literal("SELL")]);
const KstStamp = t.Object({ date: t.String({ pattern: "^\\d{8}$" }), time: t.String({ pattern: "^\\d{6}$" }) });

export const OrderRequest = t.Object({
  clientOrderId: t.String(),
  account: t.String(),
  productCode: t.String(),
  side: CreonSide,
  code: CreonCode,
  quantity: Digits,
  price: Digits,
  orderType: t.Union([t.Literal("LIMIT"), t.Literal("MARKET")]),
  condition: t.Union([t.Literal("NONE"), t.Literal("IOC"), t.Literal("FOK")]),
});
export type OrderRequest = Static<typeof OrderRequest>;

export const OrderAccepted = t.Object({ orderNumber: Digits, acceptedAt: KstStamp });
export type OrderAccepted = Static<typeof OrderAccepted>;

export const CancelRequest = t.Object({
  account: t.String(),
  productCode: t.String(),
  code: CreonCode,
  quantity: Digits,
});
export type CancelRequest = Static<typeof CancelRequest>;

export const CancelAccepted = t.Object({ orderNumber: Digits, originalOrderNumber: Digits });

/** POST /v1/orders/{n}/modify (CpTd0313): the remainder (`quantity` "0": all of it) to a new price. */
export const ModifyRequest = t.Object({
  account: t.String(),
  productCode: t.String(),
  code: CreonCode,
  quantity: Digits,
  price: Digits,
});
export type ModifyRequest = Static<typeof ModifyRequest>;

export const BridgeOrder = t.Object({
  orderNumber: Digits,
  clientOrderId: t.Union([t.String(), t.Null()]),
  code: CreonCode,
  side: CreonSide,
  orderType: t.Union([t.Literal("LIMIT"), t.Literal("MARKET")]),
  quantity: Digits,
  price: Amount,
  filledQuantity: Digits,
  averagePrice: t.Union([Amount, t.Null()]),
  status: t.Union([t.Literal("OPEN"), t.Literal("FILLED"), t.Literal("CANCELED"), t.Literal("REJECTED")]),
  date: t.String({ pattern: "^\\d{8}$" }),
  time: t.String({ pattern: "^\\d{6}$" }),
});
export type BridgeOrder = Static<typeof BridgeOrder>;

export const BalanceReply = t.Object({
  cash: t.Object({ deposit: Amount, orderable: Amount }),
  holdings: t.Array(
    t.Object({ code: CreonCode, quantity: Digits, averagePrice: Amount, lastPrice: Amount, unrealizedPnl: Amount }),
  ),
});
export type BalanceReply = Static<typeof BalanceReply>;

export const BridgeError = t.Object({
  error: t.Object({
    code: t.String(),
    message: t.String(),
    retryAfterMs: t.Optional(t.Number()),
    creonStatus: t.Optional(t.Number()),
  }),
});
export type BridgeError = Static<typeof BridgeError>;

export const TradeEvent = t.Object({
  type: t.Literal("trade"),
  code: CreonCode,
  date: t.String({ pattern: "^\\d{8}$" }),
  time: t.String({ pattern: "^\\d{6}$" }),
  price: Amount,
  volume: Digits,
  cumulativeVolume: Digits,
  side: CreonSide,
});
export type TradeEvent = Static<typeof TradeEvent>;

export const ExecutionEvent = t.Object({
  type: t.Literal("execution"),
  orderNumber: Digits,
  clientOrderId: t.Union([t.String(), t.Null()]),
  kind: t.Union([t.Literal("ACCEPTED"), t.Literal("FILL"), t.Literal("CANCELED"), t.Literal("REJECTED")]),
  code: CreonCode,
  side: CreonSide,
  quantity: Digits,
  price: Amount,
  filledQuantity: Digits,
  reason: t.Union([t.String(), t.Null()]),
});
export type ExecutionEvent = Static<typeof ExecutionEvent>;

export const StreamControl = t.Union([
  t.Object({ type: t.Literal("subscribed"), code: CreonCode, used: t.Number(), max: t.Number() }),
  t.Object({ type: t.Literal("unsubscribed"), code: CreonCode, used: t.Number(), max: t.Number() }),
  /** `subject`: the stock code the error is about, when there is one. */
  t.Object({ type: t.Literal("error"), code: t.String(), message: t.String(), subject: t.Optional(CreonCode) }),
  t.Object({ type: t.Literal("pong") }),
]);

export const StreamMessage = t.Union([TradeEvent, ExecutionEvent, StreamControl]);
export type StreamMessage = Static<typeof StreamMessage>;

export const toCreonCode = (symbol: string) => `A${symbol}`;
export const fromCreonCode = (code: string) => code.slice(1);

/** GET /v1/health; `time` is the bridge host's clock (ms since the epoch), which JTS measures its offset to. */
export const HealthReply = t.Object({ connected: t.Boolean(), time: t.Optional(t.Number()) });
export type HealthReply = Static<typeof HealthReply>;

export const QuoteReply = t.Object({ code: CreonCode, price: Amount, bid: Amount, ask: Amount, time: t.String() });
export type QuoteReply = Static<typeof QuoteReply>;

/** A StockCur trade to a JTS tick; KST date and time to epoch ns. */
export function parseTrade(trade: TradeEvent): Tick {
  return {
    symbol: fromCreonCode(trade.code),
    venue: "creon",
    price: trade.price,
    quantity: trade.volume,
    aggressor: trade.side,
    // StockCur has no trade id; the day's cumulative volume is unique per trade.
    tradeId: `${trade.date}-${trade.cumulativeVolume}`,
    tsEvent: msToNs(kstToEpochMs(trade.date, trade.time)).toString(),
  };
}
