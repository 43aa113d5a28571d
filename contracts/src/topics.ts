/**
 * Event topics (durable pub/sub). Dots separate levels so NATS subjects and
 * Kafka topic names can both be derived; `*` matches one level in subscriptions.
 */
export const Topics = {
  tick: (venue: string, symbol: string) => `md.tick.${venue}.${symbol}`,
  quote: (venue: string, symbol: string) => `md.quote.${venue}.${symbol}`,
  candle: (interval: string, symbol: string) => `md.candle.${interval}.${symbol}`,
  allTicks: "md.tick.*.*",
  allQuotes: "md.quote.*.*",
  allCandles: "md.candle.*.*",
  /** Broker connector: VenueInstruments from the venue's exchange info, on load and periodically. */
  instruments: (venue: string) => `md.instrument.${venue}`,
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
  deadLetter: (topic: string) => `dlq.${topic}`,
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

/** Request/reply subjects (rpc port; NATS request/reply in production). */
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
  riskLimitsGet: "risk.limits.get",
  positions: "portfolio.positions",
  accounts: "portfolio.accounts",
  /** Ids of the fills the portfolio applied since a time: a restarted risk skips them when they are redelivered. */
  appliedFills: "portfolio.applied-fills",
  accountArm: "portfolio.account-arm",
  accountDisarm: "portfolio.account-disarm",
  /** Stored equity snapshots (not the portfolio.equity topic: subjects and topics share NATS). */
  equity: "portfolio.equity-history",
  /** Risk: {account} -> {account, limits | null}; null = no limits set for that account. */
  strategyList: "strategy.list",
  strategyStart: "strategy.start",
  strategyStop: "strategy.stop",
  strategyCreate: "strategy.create",
  strategySetParams: "strategy.set-params",
  strategyKinds: "strategy.kinds",
  alertList: "alert.list",
  /** Notification service: {user} -> NotificationRuleView (version 0 and no routes when the user has none). */
  notificationRulesGet: "notify.rules.get",
  /** Notification service: NotificationRuleSet -> NotificationRuleView; a stale version is a CONFLICT. */
  notificationRulesSet: "notify.rules.set",
  brokerPlace: (broker: string) => `broker.${broker}.place`,
  brokerCancel: (broker: string) => `broker.${broker}.cancel`,
  /** Venue-native amend; only brokers that declare it (OrderManager nativeAmend). */
  brokerAmend: (broker: string) => `broker.${broker}.amend`,
  brokerOpenOrders: (broker: string) => `broker.${broker}.open-orders`,
  brokerQueryOrder: (broker: string) => `broker.${broker}.query-order`,
  brokerBalances: (broker: string) => `broker.${broker}.balances`,
  brokerPositions: (broker: string) => `broker.${broker}.positions`,
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
];

/** The Kafka topic that carries `topic`: its first two levels (`dlq.` + those for dead letters). */
export function topicFamily(topic: string): string {
  if (topic.startsWith("dlq.")) return `dlq.${topicFamily(topic.slice(4))}`;
  const [first, second] = topic.split(".");
  return second === undefined ? (first as string) : `${first}.${second}`;
}
