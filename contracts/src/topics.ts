import { type Static, Type as t } from "@sinclair/typebox";
import { BacktestProgress } from "./backtests.ts";
import { type BrokerOp, ExecutionReport, VenueStatus } from "./execution.ts";
import { Candle, Quote, Tick, VenueInstruments } from "./market.ts";
import {
  AccountModeChange,
  Alert,
  EquitySnapshot,
  Fill,
  Order,
  Position,
  Signal,
  TradingStateChange,
} from "./trading.ts";

/**
 * Event topics (durable pub/sub). Dots separate levels so NATS subjects and
 * Kafka topic names can both be derived; `*` matches one level in subscriptions.
 */
export const Topics = {
  tick: (venue: string, symbol: string) => `md.tick.${venue}.${symbol}` as const,
  quote: (venue: string, symbol: string) => `md.quote.${venue}.${symbol}` as const,
  candle: (interval: string, symbol: string) => `md.candle.${interval}.${symbol}` as const,
  allTicks: "md.tick.*.*",
  allQuotes: "md.quote.*.*",
  allCandles: "md.candle.*.*",
  /** Broker connector: VenueInstruments from the venue's exchange info, on load and periodically. */
  instruments: (venue: string) => `md.instrument.${venue}` as const,
  allInstruments: "md.instrument.*",
  /** Broker to OMS: ExecutionReport. */
  executionReport: "exec.report",
  /** OMS: Order after every state change. */
  orderUpdated: "order.updated",
  /** OMS: Fill. */
  fill: "order.fill",
  /** Portfolio: Position after every change. */
  positionUpdated: "portfolio.position",
  /** Risk: TradingStateChange. */
  tradingState: "risk.state",
  /** Strategy: Signal. */
  signal: "strategy.signal",
  /** Portfolio: AccountModeChange (armed LIVE / disarmed PAPER), keyed by account. */
  accountMode: "portfolio.account-mode",
  /** Brokers and market-data adapters: VenueStatus (link to a venue down or back). */
  venueStatus: "venue.status",
  /** Portfolio: EquitySnapshot, periodic and after every fill. */
  equity: "portfolio.equity",
  alert: "alert.raised",
  /** Gateway: a user's role, disabled flag or password changed, or their sessions were ended ({username, tokenVersion}). */
  userChanged: "auth.user-changed",
  /** Any service after writing a document (DocumentChange): other replicas re-read it. */
  documentChanged: "documents.changed",
  /** Gateway: BacktestProgress of a PWA backtest run (status and share done). */
  backtestProgress: "backtest.progress",
  /** Dead letters carry the original envelope and the error. */
  deadLetter: (topic: string) => `dlq.${topic}` as const,
} as const;

/** Event type names carried in the envelope's `type`. */
export const EventTypes = {
  tick: "Tick",
  quote: "Quote",
  candle: "Candle",
  instruments: "VenueInstruments",
  executionReport: "ExecutionReport",
  order: "Order",
  fill: "Fill",
  position: "Position",
  tradingState: "TradingStateChange",
  signal: "Signal",
  accountMode: "AccountModeChange",
  equity: "EquitySnapshot",
  venueStatus: "VenueStatus",
  alert: "Alert",
  userChanged: "UserChanged",
  documentChanged: "DocumentChange",
  backtestProgress: "BacktestProgress",
  deadLetter: "DeadLetter",
} as const;

/** Gateway: a user's role, disabled flag or password changed, or their sessions were ended. */
export const UserChanged = t.Object({ username: t.String(), tokenVersion: t.Integer() });
export type UserChanged = Static<typeof UserChanged>;

/** A document written (version: the new one) or deleted (version: null); `source` is the writer's replica id. */
export const DocumentChange = t.Object({
  collection: t.String(),
  id: t.String(),
  name: t.String(),
  version: t.Union([t.Integer(), t.Null()]),
  source: t.String(),
});
export type DocumentChange = Static<typeof DocumentChange>;

/**
 * What each topic family carries (every topic below a family, `md.tick.<venue>.<symbol>`,
 * carries its family's payload). The typed EventBus derives publish and subscribe from it.
 */
export const TopicPayloads = {
  "md.tick": Tick,
  "md.quote": Quote,
  "md.candle": Candle,
  "md.instrument": VenueInstruments,
  "exec.report": ExecutionReport,
  "order.updated": Order,
  "order.fill": Fill,
  "portfolio.position": Position,
  "risk.state": TradingStateChange,
  "strategy.signal": Signal,
  "portfolio.account-mode": AccountModeChange,
  "portfolio.equity": EquitySnapshot,
  "venue.status": VenueStatus,
  "alert.raised": Alert,
  "auth.user-changed": UserChanged,
  "documents.changed": DocumentChange,
  "backtest.progress": BacktestProgress,
} as const;
export type TopicFamily = keyof typeof TopicPayloads;

/** A topic, or a subscription pattern, of a known family: the family itself or any level below it. */
export type Topic = { [F in TopicFamily]: F | `${F}.${string}` }[TopicFamily];

/** The payload every event on `T` carries. */
export type TopicPayload<T extends string> = {
  [F in TopicFamily]: T extends F | `${F}.${string}` ? Static<(typeof TopicPayloads)[F]> : never;
}[TopicFamily];

/** `broker.<name>.<op>`: the subject of one broker's op (its request and reply are BrokerRpc[op]). */
export const brokerSubject = <Op extends BrokerOp>(broker: string, op: Op): BrokerSubject<Op> =>
  `broker.${broker}.${op}`;
export type BrokerSubject<Op extends BrokerOp = BrokerOp> = `broker.${string}.${Op}`;

/** Request/reply subjects (rpc port; NATS request/reply in production); what each takes and answers is in rpc.ts. */
export const Subjects = {
  instruments: "md.instruments",
  prices: "md.prices",
  candles: "md.candles",
  orderSubmit: "order.submit",
  orderCancel: "order.cancel",
  orderCancelAll: "order.cancel-all",
  orderAmend: "order.amend",
  orderList: "order.list",
  orderGet: "order.get",
  fillList: "order.fills",
  riskCheck: "risk.check",
  riskStatus: "risk.status",
  riskSetState: "risk.set-state",
  riskSetLimits: "risk.set-limits",
  /** Risk: {account} -> {account, limits | null}; null = no limits set for that account. */
  riskLimitsGet: "risk.limits.get",
  positions: "portfolio.positions",
  accounts: "portfolio.accounts",
  /** Ids of the fills the portfolio applied since a time: a restarted risk skips them when they are redelivered. */
  appliedFills: "portfolio.applied-fills",
  accountArm: "portfolio.account-arm",
  accountDisarm: "portfolio.account-disarm",
  /** Stored equity snapshots (not the portfolio.equity topic: subjects and topics share NATS). */
  equity: "portfolio.equity-history",
  strategyList: "strategy.list",
  strategyStart: "strategy.start",
  strategyStop: "strategy.stop",
  strategyCreate: "strategy.create",
  strategySetParams: "strategy.set-params",
  strategyKinds: "strategy.kinds",
  alertList: "alert.list",
  /** Gateway: {username} -> {role, disabled} now, or null (no such user): other services check a user's current rights. */
  userState: "auth.user-state",
  /** Notification service: {user} -> NotificationRuleView (version 0 and no routes when the user has none). */
  notificationRulesGet: "notify.rules.get",
  /** Notification service: NotificationRuleSet -> NotificationRuleView; a stale version is a CONFLICT. */
  notificationRulesSet: "notify.rules.set",
  /** Notification service: {user, role} -> TelegramLinkCode, a one-time code the user sends the bot as `/link <code>`. */
  telegramLinkCode: "notify.telegram.link-code",
  /** Notification service: {user} -> {unlinked}: every chat linked to the user is forgotten. */
  telegramUnlink: "notify.telegram.unlink",
  /** Notification service: {} -> PushVapidKey (enabled false when no VAPID keys are configured). */
  pushVapidKey: "notify.push.vapid-key",
  /** Notification service: PushSubscribe -> {endpoint, created}; the same endpoint again replaces it. */
  pushSubscribe: "notify.push.subscribe",
  /** Notification service: PushUnsubscribe -> {removed}; NOT_FOUND unless the user owns that endpoint. */
  pushUnsubscribe: "notify.push.unsubscribe",
  brokerPlace: (broker: string) => brokerSubject(broker, "place"),
  brokerCancel: (broker: string) => brokerSubject(broker, "cancel"),
  /** Venue-native amend; only brokers that declare it (OrderManager nativeAmend). */
  brokerAmend: (broker: string) => brokerSubject(broker, "amend"),
  brokerOpenOrders: (broker: string) => brokerSubject(broker, "open-orders"),
  brokerQueryOrder: (broker: string) => brokerSubject(broker, "query-order"),
  brokerBalances: (broker: string) => brokerSubject(broker, "balances"),
  brokerPositions: (broker: string) => brokerSubject(broker, "positions"),
} as const;

/**
 * Kafka holds one topic per family (`md.tick`, `order.fill`, ...) keyed by
 * symbol or account, not one topic per symbol; the full topic travels in the
 * `jts-topic` header. Configs follow the original spec: 1 GiB segments, LZ4,
 * 7-day retention.
 */
export const KAFKA_TOPIC_DEFAULTS = {
  "segment.bytes": String(1024 ** 3),
  "compression.type": "lz4",
  "retention.ms": String(7 * 24 * 3600 * 1000),
} as const;

export interface KafkaTopicSpec {
  name: string;
  partitions: number;
  config?: Record<string, string>;
}

export const KAFKA_TOPICS: readonly KafkaTopicSpec[] = [
  { name: "md.tick", partitions: 6 },
  { name: "md.quote", partitions: 6 },
  { name: "md.candle", partitions: 3 },
  { name: "md.instrument", partitions: 1 },
  { name: "exec.report", partitions: 3 },
  { name: "order.updated", partitions: 3 },
  { name: "order.fill", partitions: 3 },
  { name: "portfolio.position", partitions: 3 },
  { name: "risk.state", partitions: 1 },
  { name: "strategy.signal", partitions: 3 },
  { name: "portfolio.account-mode", partitions: 1 },
  { name: "portfolio.equity", partitions: 3 },
  { name: "venue.status", partitions: 1 },
  { name: "alert.raised", partitions: 1 },
  { name: "documents.changed", partitions: 1 },
  { name: "backtest.progress", partitions: 1 },
];

/** The Kafka topic that carries `topic`: its first two levels (`dlq.` + those for dead letters). */
export function topicFamily(topic: string): string {
  if (topic.startsWith("dlq.")) return `dlq.${topicFamily(topic.slice(4))}`;
  const [first, second] = topic.split(".");
  return second === undefined ? (first as string) : `${first}.${second}`;
}
