import { type Static, Type as t } from "@sinclair/typebox";
import { Id, Nanos, Side, SymbolCode, UnsignedDecimal, Venue } from "./primitives.ts";
import { Balance, Order, OrderStatus, OrderType, Position } from "./trading.ts";

/**
 * Broker or market-data adapter: its link to a venue went down or came back
 * (topic venue.status). Notifications alert on disconnects.
 */
export const VenueStatus = t.Object({
  venue: Venue,
  connected: t.Boolean(),
  reason: t.String(),
  tsEvent: Nanos,
});
export type VenueStatus = Static<typeof VenueStatus>;

/** What the OMS asks a broker to do (rpc broker.<name>.place). */
export const PlaceOrderCommand = t.Object({ order: Order });
export type PlaceOrderCommand = Static<typeof PlaceOrderCommand>;

export const CancelOrderCommand = t.Object({ orderId: Id, account: Id, symbol: t.String() });
export type CancelOrderCommand = Static<typeof CancelOrderCommand>;

/**
 * A venue-native amend of a working order (rpc broker.<name>.amend; KIS 정정,
 * Creon modify): the same order keeps working with the new price and/or
 * total quantity (fills included). Only brokers whose capability says so get it.
 */
export const AmendOrderCommand = t.Object({
  orderId: Id,
  account: Id,
  symbol: t.String(),
  quantity: UnsignedDecimal,
  price: t.Union([UnsignedDecimal, t.Null()]),
});
export type AmendOrderCommand = Static<typeof AmendOrderCommand>;

/**
 * What a place came to: the venue took the order, refused it, or the broker
 * cannot tell (its call to the venue failed or timed out after it may have
 * arrived). Only REFUSED makes an order REJECTED.
 */
export const PlaceOutcome = t.Union([t.Literal("ACCEPTED"), t.Literal("REFUSED"), t.Literal("UNKNOWN")]);
export type PlaceOutcome = Static<typeof PlaceOutcome>;

/**
 * A broker's synchronous answer to place/cancel/amend. `outcome` is the three-way
 * answer (brokers built on the kit always set it); without it `accepted`
 * decides. An rpc error or timeout instead of an ack is UNKNOWN too.
 */
export const BrokerAck = t.Object({
  orderId: Id,
  accepted: t.Boolean(),
  outcome: t.Optional(PlaceOutcome),
  venueOrderId: t.Union([t.String(), t.Null()]),
  reason: t.Union([t.String(), t.Null()]),
  /**
   * On an accepted cancel: what the venue had executed of the order when it
   * closed it, final. Absent when the venue's answer does not say (or the
   * order may still fill): the OMS then asks the venue (query-order).
   */
  filledQuantity: t.Optional(UnsignedDecimal),
  tsEvent: Nanos,
});
export type BrokerAck = Static<typeof BrokerAck>;

/** The three-way outcome of an ack. */
export function ackOutcome(ack: BrokerAck): PlaceOutcome {
  return ack.outcome ?? (ack.accepted ? "ACCEPTED" : "REFUSED");
}

/**
 * Everything a venue says about an order after the ack, in venue order.
 * The OMS folds these into the order's state machine and emits Order and Fill.
 */
export const ExecutionReport = t.Object({
  orderId: Id,
  account: Id,
  venue: Venue,
  symbol: SymbolCode,
  side: Side,
  kind: t.Union([
    t.Literal("ACCEPTED"),
    t.Literal("FILL"),
    t.Literal("CANCELED"),
    t.Literal("REJECTED"),
    t.Literal("EXPIRED"),
  ]),
  fill: t.Union([
    t.Object({
      fillId: Id,
      price: UnsignedDecimal,
      quantity: UnsignedDecimal,
      fee: UnsignedDecimal,
      feeCurrency: t.String(),
      liquidity: t.Union([t.Literal("MAKER"), t.Literal("TAKER")]),
      /**
       * What the venue had executed of the order with this fill included (FIX CumQty), where the
       * broker can say. It tells the OMS a late report of a fill that reconciliation booked
       * already (from the venue's total) from a new fill; without it such a fill is booked again.
       */
      cumulativeQuantity: t.Optional(UnsignedDecimal),
    }),
    t.Null(),
  ]),
  reason: t.Union([t.String(), t.Null()]),
  tsEvent: Nanos,
});
export type ExecutionReport = Static<typeof ExecutionReport>;

/**
 * A report JTS writes itself about one of its orders, addressed as the order is
 * (the OMS's outcome lookup and reconciliation, and the tests' fixture): one
 * builder, so a new report field is filled in one place.
 */
export function orderReport(
  order: Pick<Order, "id" | "account" | "venue" | "symbol" | "side">,
  kind: ExecutionReport["kind"],
  details: { fill?: ExecutionReport["fill"]; reason?: string | null; tsEvent: string },
): ExecutionReport {
  return {
    orderId: order.id,
    account: order.account,
    venue: order.venue,
    symbol: order.symbol,
    side: order.side,
    kind,
    fill: details.fill ?? null,
    reason: details.reason ?? null,
    tsEvent: details.tsEvent,
  };
}

export const OpenOrdersQuery = t.Object({ account: t.Optional(Id) });
export type OpenOrdersQuery = Static<typeof OpenOrdersQuery>;

/**
 * Order and fill lists come newest first in pages: orders by (createdAt, id), fills by
 * (tsEvent, id), both descending, ties broken by id (compared as bytes). `before` is the
 * last item of the previous page (its time and id): the next page starts strictly after
 * it, so no item is lost or repeated between pages, even while new ones arrive (they sort
 * above the cursor). A page shorter than `limit` is the last one.
 */
export const ListCursor = t.Object({ time: Nanos, id: Id });
export type ListCursor = Static<typeof ListCursor>;
/** Items per page when the caller does not say. */
export const LIST_PAGE_DEFAULT = 500;
/** Most items one rpc page carries: 1000 orders are about 0.5 MB of JSON, well under NATS's 1 MiB. */
export const LIST_PAGE_MAX = 1000;
const ListPage = {
  limit: t.Optional(t.Integer({ minimum: 1, maximum: LIST_PAGE_MAX, default: LIST_PAGE_DEFAULT })),
  before: t.Optional(ListCursor),
};

/** rpc order.list: `accounts` is the set the caller may see (set by the gateway); all when omitted. */
export const OrderQuery = t.Object({
  status: t.Optional(OrderStatus),
  symbol: t.Optional(SymbolCode),
  accounts: t.Optional(t.Array(Id)),
  ...ListPage,
});
export type OrderQuery = Static<typeof OrderQuery>;

/** rpc order.get and order.cancel: one order, refused as NOT_FOUND outside `accounts` when given. */
export const OrderIdRequest = t.Object({ orderId: Id, accounts: t.Optional(t.Array(Id)) });
export type OrderIdRequest = Static<typeof OrderIdRequest>;

/** rpc order.fills: paged like order.list (ListCursor). */
export const FillsQuery = t.Object({ accounts: t.Optional(t.Array(Id)), ...ListPage });
export type FillsQuery = Static<typeof FillsQuery>;

/** Ask a broker what the venue says about one order (rpc broker.<name>.query-order). */
export const QueryOrderCommand = t.Object({
  account: Id,
  symbol: SymbolCode,
  orderId: t.Optional(Id),
  venueOrderId: t.Optional(t.String()),
});
export type QueryOrderCommand = Static<typeof QueryOrderCommand>;

/**
 * An order as the venue sees it. `orderId` is null for orders placed outside
 * JTS (by hand in the venue's own app); reconciliation reports those.
 */
export const VenueOrder = t.Object({
  orderId: t.Union([Id, t.Null()]),
  venueOrderId: t.String(),
  account: Id,
  venue: Venue,
  symbol: SymbolCode,
  side: Side,
  type: OrderType,
  status: OrderStatus,
  quantity: UnsignedDecimal,
  filledQuantity: UnsignedDecimal,
  price: t.Union([UnsignedDecimal, t.Null()]),
  averagePrice: t.Union([UnsignedDecimal, t.Null()]),
  tsEvent: Nanos,
});
export type VenueOrder = Static<typeof VenueOrder>;

/** Balances and positions held at the venue (rpc broker.<name>.balances / .positions). */
export const AccountQuery = t.Object({ account: Id });
export type AccountQuery = Static<typeof AccountQuery>;

/**
 * What each broker rpc (`broker.<name>.<op>`, built by `Subjects.broker*`)
 * takes and answers: every broker serves the same table.
 */
export const BrokerRpc = {
  place: { request: PlaceOrderCommand, reply: BrokerAck },
  cancel: { request: CancelOrderCommand, reply: BrokerAck },
  amend: { request: AmendOrderCommand, reply: BrokerAck },
  "query-order": { request: QueryOrderCommand, reply: t.Union([VenueOrder, t.Null()]) },
  "open-orders": { request: OpenOrdersQuery, reply: t.Array(VenueOrder) },
  balances: { request: AccountQuery, reply: t.Array(Balance) },
  positions: { request: AccountQuery, reply: t.Array(Position) },
} as const;
export type BrokerOp = keyof typeof BrokerRpc;

/** The replies of BrokerRpc by camelCase name (connector tests check a venue's answers against them). */
export const BrokerReplies = {
  place: BrokerRpc.place.reply,
  cancel: BrokerRpc.cancel.reply,
  amend: BrokerRpc.amend.reply,
  queryOrder: BrokerRpc["query-order"].reply,
  openOrders: BrokerRpc["open-orders"].reply,
  balances: BrokerRpc.balances.reply,
  positions: BrokerRpc.positions.reply,
} as const;

/** Cancel every open order in scope (rpc order.cancel-all, POST /api/orders/cancel-all). */
export const CancelAllRequest = t.Object(
  {
    account: t.Optional(Id),
    symbol: t.Optional(SymbolCode),
    /** The accounts the caller may touch (set by the gateway); all when omitted. */
    accounts: t.Optional(t.Array(Id)),
  },
  { additionalProperties: false },
);
export type CancelAllRequest = Static<typeof CancelAllRequest>;

export const CancelAllReply = t.Object({ canceled: t.Array(Order) });
export type CancelAllReply = Static<typeof CancelAllReply>;

/** What PATCH /api/orders/:id may change; quantity is the new total, fills included. */
export const AmendFields = t.Object(
  {
    quantity: t.Optional(UnsignedDecimal),
    price: t.Optional(UnsignedDecimal),
    stopPrice: t.Optional(UnsignedDecimal),
  },
  { additionalProperties: false },
);
export type AmendFields = Static<typeof AmendFields>;

/** Cancel-replace (rpc order.amend): the reply is the replacement order. */
export const AmendOrderRequest = t.Object({
  orderId: Id,
  changes: AmendFields,
  accounts: t.Optional(t.Array(Id)),
});
export type AmendOrderRequest = Static<typeof AmendOrderRequest>;

/**
 * When a DAY order placed at `tsNs` on `venue` expires, in ns since the epoch.
 * `symbol` (the order's) tells a venue's stocks from its crypto; the kit's
 * `sessionEndFor` uses it to pick the instrument's session.
 */
export type SessionEnd = (venue: string, tsNs: bigint, symbol?: string) => bigint;

const DAY_NS = 86_400n * 1_000_000_000n;

/** Crypto trades around the clock: its "day" ends at the next UTC midnight. */
export const utcMidnight: SessionEnd = (_venue, tsNs) => (tsNs / DAY_NS + 1n) * DAY_NS;
