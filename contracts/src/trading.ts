import { type Static, Type as t } from "@sinclair/typebox";
import { CandleInterval } from "./market.ts";
import { Currency, Decimal, Id, literalUnion, Nanos, Side, SymbolCode, UnsignedDecimal, Venue } from "./primitives.ts";

export const OrderType = t.Union([
  t.Literal("MARKET"),
  t.Literal("LIMIT"),
  t.Literal("STOP_MARKET"),
  t.Literal("STOP_LIMIT"),
]);
export type OrderType = Static<typeof OrderType>;

export const TimeInForce = t.Union([t.Literal("GTC"), t.Literal("IOC"), t.Literal("FOK"), t.Literal("DAY")]);
export type TimeInForce = Static<typeof TimeInForce>;

/**
 * OUTCOME_UNKNOWN: sent to the broker, but no answer came (rpc error or
 * timeout: the venue may have the order). Still in flight: the OMS asks the
 * venue for it by client order id until the venue says what it is.
 */
export const ORDER_STATUSES = [
  "NEW",
  "OUTCOME_UNKNOWN",
  "ACCEPTED",
  "PARTIALLY_FILLED",
  "FILLED",
  "CANCELED",
  "REJECTED",
  "EXPIRED",
] as const;
export const OrderStatus = literalUnion(ORDER_STATUSES);
export type OrderStatus = Static<typeof OrderStatus>;

export const Signal = t.Object({
  strategyId: Id,
  symbol: SymbolCode,
  direction: t.Union([t.Literal("LONG"), t.Literal("SHORT"), t.Literal("FLAT")]),
  strength: t.Number({ minimum: 0, maximum: 1 }),
  reason: t.String(),
  tsEvent: Nanos,
});
export type Signal = Static<typeof Signal>;

/** What a client or strategy asks for; the OMS fills in the rest. */
export const OrderRequest = t.Object(
  {
    clientOrderId: Id,
    account: t.Optional(Id),
    venue: t.Optional(Venue),
    symbol: SymbolCode,
    side: Side,
    type: OrderType,
    quantity: UnsignedDecimal,
    price: t.Optional(UnsignedDecimal),
    stopPrice: t.Optional(UnsignedDecimal),
    timeInForce: t.Optional(TimeInForce),
    strategyId: t.Optional(Id),
  },
  { additionalProperties: false },
);
export type OrderRequest = Static<typeof OrderRequest>;

export const Order = t.Object({
  id: Id,
  clientOrderId: Id,
  account: Id,
  venue: Venue,
  symbol: SymbolCode,
  side: Side,
  type: OrderType,
  timeInForce: TimeInForce,
  quantity: UnsignedDecimal,
  price: t.Union([UnsignedDecimal, t.Null()]),
  stopPrice: t.Union([UnsignedDecimal, t.Null()]),
  filledQuantity: UnsignedDecimal,
  averagePrice: t.Union([UnsignedDecimal, t.Null()]),
  status: OrderStatus,
  rejectReason: t.Union([t.String(), t.Null()]),
  strategyId: t.Union([Id, t.Null()]),
  venueOrderId: t.Union([t.String(), t.Null()]),
  createdAt: Nanos,
  updatedAt: Nanos,
});
export type Order = Static<typeof Order>;

export const Fill = t.Object({
  id: Id,
  orderId: Id,
  clientOrderId: Id,
  account: Id,
  venue: Venue,
  symbol: SymbolCode,
  side: Side,
  price: UnsignedDecimal,
  quantity: UnsignedDecimal,
  fee: UnsignedDecimal,
  feeCurrency: Currency,
  liquidity: t.Union([t.Literal("MAKER"), t.Literal("TAKER")]),
  strategyId: t.Union([Id, t.Null()]),
  tsEvent: Nanos,
});
export type Fill = Static<typeof Fill>;

export const Position = t.Object({
  account: Id,
  symbol: SymbolCode,
  venue: Venue,
  /** Signed: negative is short. */
  quantity: Decimal,
  averagePrice: UnsignedDecimal,
  realizedPnl: Decimal,
  unrealizedPnl: Decimal,
  lastPrice: t.Union([UnsignedDecimal, t.Null()]),
  currency: Currency,
  updatedAt: Nanos,
});
export type Position = Static<typeof Position>;

export const Balance = t.Object({
  account: Id,
  currency: Currency,
  total: Decimal,
  /** Total minus what open buy orders hold. */
  free: Decimal,
  locked: Decimal,
});
export type Balance = Static<typeof Balance>;

/** PAPER until an admin arms the account for live trading (and the platform allows live trading at all). */
export const AccountMode = t.Union([t.Literal("PAPER"), t.Literal("LIVE")]);
export type AccountMode = Static<typeof AccountMode>;

export const Account = t.Object({
  id: Id,
  owner: t.String(),
  venue: Venue,
  kind: t.Union([t.Literal("CASH"), t.Literal("MARGIN")]),
  baseCurrency: Currency,
  mode: AccountMode,
  balances: t.Array(Balance),
});
export type Account = Static<typeof Account>;

/** Portfolio: an account was armed (LIVE) or disarmed (PAPER); the OMS routes its orders by it. */
export const AccountModeChange = t.Object({
  account: Id,
  mode: AccountMode,
  previous: AccountMode,
  changedBy: t.String(),
  reason: t.String(),
  tsEvent: Nanos,
});
export type AccountModeChange = Static<typeof AccountModeChange>;

/** An account's equity in one currency at one time: cash plus open positions at their last price. */
export const EquitySnapshot = t.Object({
  account: Id,
  currency: Currency,
  equity: Decimal,
  ts: Nanos,
});
export type EquitySnapshot = Static<typeof EquitySnapshot>;

export const TRADING_STATES = ["ACTIVE", "REDUCING", "HALTED"] as const;
export const TradingState = literalUnion(TRADING_STATES);
export type TradingState = Static<typeof TradingState>;

/** `changedBy` of the state changes risk makes by itself (a daily-loss or drawdown breach), not an operator. */
export const RISK_ENGINE_ACTOR = "risk-management";

export const TradingStateChange = t.Object({
  /** The account the state applies to; null switches the whole platform. */
  account: t.Union([Id, t.Null()]),
  state: TradingState,
  previous: TradingState,
  reason: t.String(),
  changedBy: t.String(),
  /** HALTED may cancel every open order in its scope; the OMS carries it out. */
  cancelOpenOrders: t.Boolean(),
  tsEvent: Nanos,
});
export type TradingStateChange = Static<typeof TradingStateChange>;

/**
 * Every rule that can refuse an order, by the code a RiskDecision carries.
 * The risk service raises all but RISK_UNAVAILABLE, which the OMS sets when
 * risk did not answer (it fails closed).
 */
export const RISK_RULES = [
  "TRADING_HALTED",
  "BALANCE_UNKNOWN",
  "WORKING_ORDERS_UNKNOWN",
  "UNKNOWN_INSTRUMENT",
  "QUANTITY",
  "QUANTITY_PRECISION",
  "MIN_QUANTITY",
  "MAX_QUANTITY",
  "PRICE",
  "PRICE_PRECISION",
  "PRICE_COLLAR",
  "SESSION_CLOSED",
  "AUCTION_TIME_IN_FORCE",
  "NO_PRICE",
  "MIN_NOTIONAL",
  "MAX_ORDER_NOTIONAL",
  "REDUCING_ONLY",
  "MAX_POSITION",
  "MAX_GROSS_EXPOSURE",
  "INSUFFICIENT_BALANCE",
  "SELF_TRADE",
  "DUPLICATE_CLIENT_ORDER_ID",
  "DUPLICATE_ORDER",
  "ACCOUNT_SUBMIT_RATE",
  "STRATEGY_SUBMIT_RATE",
  "RISK_UNAVAILABLE",
] as const;
export const RiskRule = literalUnion(RISK_RULES);
export type RiskRule = Static<typeof RiskRule>;

export const RiskDecision = t.Object({
  approved: t.Boolean(),
  /** The rule that refused (e.g. MAX_ORDER_NOTIONAL); null when approved. */
  rule: t.Union([RiskRule, t.Null()]),
  reason: t.Union([t.String(), t.Null()]),
  tsEvent: Nanos,
});
export type RiskDecision = Static<typeof RiskDecision>;

/** A sliding-window submit rate: at most `limit` orders in any `windowMs`. */
export const SubmitRate = t.Object({
  limit: t.Integer({ minimum: 1, maximum: 1_000_000 }),
  windowMs: t.Integer({ minimum: 1, maximum: 86_400_000 }),
});
export type SubmitRate = Static<typeof SubmitRate>;

/** Amounts are in the instrument's quote currency (KRW for every listed instrument). Optional limits are off when absent. */
export const RiskLimits = t.Object({
  maxOrderNotional: UnsignedDecimal,
  maxPositionNotional: UnsignedDecimal,
  /** Sum of |position| x mark over an account's instruments, this order included. */
  maxGrossExposure: t.Optional(UnsignedDecimal),
  /** Loss since the start of the trading day (KST) that switches the account to `dailyLossAction`. */
  dailyLossLimit: t.Optional(UnsignedDecimal),
  dailyLossAction: t.Optional(t.Union([t.Literal("REDUCING"), t.Literal("HALTED")])),
  /** Drop of P&L from its peak that switches the account to `drawdownAction`. */
  maxDrawdown: t.Optional(UnsignedDecimal),
  drawdownAction: t.Optional(t.Union([t.Literal("REDUCING"), t.Literal("HALTED")])),
  accountSubmitRate: t.Optional(SubmitRate),
  strategySubmitRate: t.Optional(SubmitRate),
  /** An identical order (account, symbol, side, type, quantity, price) inside this window is a duplicate; 0 turns it off. */
  duplicateWindowMs: t.Optional(t.Integer({ minimum: 0, maximum: 3_600_000 })),
});
export type RiskLimits = Static<typeof RiskLimits>;

/** An account's P&L, drawdown and gross exposure in one quote currency: currencies are never added up. */
export const CurrencyRiskStatus = t.Object({
  currency: Currency,
  dailyPnl: Decimal,
  drawdown: Decimal,
  grossExposure: UnsignedDecimal,
});
export type CurrencyRiskStatus = Static<typeof CurrencyRiskStatus>;

export const AccountRiskStatus = t.Object({
  account: Id,
  state: TradingState,
  reason: t.String(),
  updatedAt: Nanos,
  /** Platform defaults with this account's overrides applied. */
  limits: RiskLimits,
  /** Realized plus unrealized P&L since the start of the trading day (see `tradingDay`), in `currency`. */
  dailyPnl: Decimal,
  /** How far P&L is below its peak (0 or positive), in `currency`. */
  drawdown: Decimal,
  /** Over the positions quoted in `currency`. */
  grossExposure: UnsignedDecimal,
  /** The currency of the three above: the account's base currency, which its limits are in. */
  currency: t.Optional(Currency),
  /** Realized P&L (net of fees) since the start of the trading day, in `currency`. */
  dailyRealizedPnl: t.Optional(Decimal),
  /** The trading day the daily figures count from (YYYY-MM-DD in the account's time zone: KST for KRX, UTC for crypto). */
  tradingDay: t.Optional(t.String()),
  /** Every currency the account trades in, each on its own. */
  currencies: t.Optional(t.Array(CurrencyRiskStatus)),
});
export type AccountRiskStatus = Static<typeof AccountRiskStatus>;

export const RiskStatus = t.Object({
  /** The platform state; an account's own state can only be stricter. */
  state: TradingState,
  /** Platform defaults. */
  limits: RiskLimits,
  reason: t.String(),
  updatedAt: Nanos,
  accounts: t.Optional(t.Array(AccountRiskStatus)),
});
export type RiskStatus = Static<typeof RiskStatus>;

export const AlertSeverity = t.Union([t.Literal("INFO"), t.Literal("WARNING"), t.Literal("CRITICAL")]);
export type AlertSeverity = Static<typeof AlertSeverity>;

export const Alert = t.Object({
  id: Id,
  severity: AlertSeverity,
  kind: t.Union([
    t.Literal("ORDER_REJECTED"),
    t.Literal("ORDER_FILLED"),
    t.Literal("TRADING_STATE"),
    t.Literal("SYSTEM"),
    t.Literal("LOSS_THRESHOLD"),
    t.Literal("VENUE_DISCONNECTED"),
    t.Literal("ACCOUNT_MODE"),
    /** The OMS: a stop order's trigger was reached (held here and released, or first filled at its venue). */
    t.Literal("STOP_TRIGGERED"),
  ]),
  title: t.String(),
  message: t.String(),
  /** The account the alert concerns, null for platform-wide alerts. */
  account: t.Union([Id, t.Null()]),
  /** The order the alert is about, when it is about one (the PWA marks its row). */
  orderId: t.Optional(Id),
  tsEvent: Nanos,
});
export type Alert = Static<typeof Alert>;

/** rpc alert.list: the newest `limit` alerts (100 when omitted) of `accounts` and the platform, newest first. */
export const AlertQuery = t.Object({
  accounts: t.Optional(t.Array(Id)),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
});
export type AlertQuery = Static<typeof AlertQuery>;

export const STRATEGY_KINDS = ["ma-crossover", "bollinger", "donchian"] as const;
export const StrategyKind = literalUnion(STRATEGY_KINDS);
export type StrategyKind = Static<typeof StrategyKind>;

/** What a strategy reacts to: every trade print, or closed candles of one interval. */
export const StrategyTimeframe = t.Union([t.Literal("tick"), CandleInterval]);
export type StrategyTimeframe = Static<typeof StrategyTimeframe>;

/**
 * Parameters are JSON scalars here; each strategy kind checks them against
 * its own TypeBox schema (strategy-engine `kinds`), so a new kind needs no
 * contract change and a bad value is refused with the kind's reasons.
 */
export const StrategyParams = t.Record(t.String(), t.Union([t.Number(), t.String(), t.Boolean()]));
export type StrategyParams = Static<typeof StrategyParams>;

export const StrategyConfig = t.Object({
  id: Id,
  kind: StrategyKind,
  account: Id,
  symbol: SymbolCode,
  venue: Venue,
  /** Ticks when absent. */
  timeframe: t.Optional(StrategyTimeframe),
  params: StrategyParams,
  enabled: t.Boolean(),
});
export type StrategyConfig = Static<typeof StrategyConfig>;

/** POST /api/strategies, rpc strategy.create: a new definition, stopped unless `enabled`. */
export const StrategyCreate = t.Object(
  {
    id: Id,
    kind: StrategyKind,
    account: t.Optional(Id),
    symbol: SymbolCode,
    venue: t.Optional(Venue),
    timeframe: t.Optional(StrategyTimeframe),
    params: StrategyParams,
    enabled: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
);
export type StrategyCreate = Static<typeof StrategyCreate>;

/** GET /api/strategies/kinds, rpc strategy.kinds: what can be created, with each kind's parameter JSON Schema. */
export const StrategyKindInfo = t.Object({
  kind: StrategyKind,
  description: t.String(),
  params: t.Unknown(),
});
export type StrategyKindInfo = Static<typeof StrategyKindInfo>;

/** rpc strategy.start and strategy.stop. */
export const StrategyIdRequest = t.Object({ id: Id });
export type StrategyIdRequest = Static<typeof StrategyIdRequest>;

/** rpc strategy.set-params. */
export const StrategyParamsUpdate = t.Object({ id: Id, params: StrategyParams }, { additionalProperties: false });
export type StrategyParamsUpdate = Static<typeof StrategyParamsUpdate>;

/** A strategy's own book, from its fills only: realized + unrealized (marked to the last price) - fees is its P&L. */
export const StrategyPnl = t.Object({
  position: Decimal,
  averagePrice: UnsignedDecimal,
  realizedPnl: Decimal,
  unrealizedPnl: Decimal,
  /** Fees charged in the quote currency: the ones net P&L takes off. */
  fees: UnsignedDecimal,
  /** Fees charged in another currency (the base, BNB) by currency: not converted, so not in netPnl. */
  otherFees: t.Optional(t.Record(Currency, UnsignedDecimal)),
  /** realized + unrealized - fees. */
  netPnl: Decimal,
  lastPrice: t.Union([UnsignedDecimal, t.Null()]),
  fills: t.Integer({ minimum: 0 }),
});
export type StrategyPnl = Static<typeof StrategyPnl>;

export const StrategyStatus = t.Object({
  config: StrategyConfig,
  running: t.Boolean(),
  signals: t.Integer({ minimum: 0 }),
  ordersSent: t.Integer({ minimum: 0 }),
  lastSignal: t.Union([Signal, t.Null()]),
  pnl: StrategyPnl,
});
export type StrategyStatus = Static<typeof StrategyStatus>;
