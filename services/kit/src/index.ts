export { MemoryAuditLog } from "./audit.ts";
export { MemoryCache } from "./cache/memory.ts";
export {
  ConfigError,
  type ConfigOf,
  checkSecret,
  DEFAULT_ADMIN_USER,
  durableStoreUrl,
  envValue,
  int,
  loadConfig,
  oneOf,
  type RunMode,
  runMode,
  type SecretRules,
  secret,
  str,
  strByMode,
} from "./config.ts";
export { type ConsumerLag, exportConsumerLag } from "./consumer-lag.ts";
export { AnnouncingDocumentStore, followDocuments } from "./documents/changes.ts";
export { MemoryDocumentStore } from "./documents/memory.ts";
export {
  type CollectionRead,
  problemOf,
  readDocuments,
  type UnreadableDocument,
  unreadableReason,
} from "./documents/read.ts";
export { AppError, badRequest, notFound } from "./errors.ts";
export { dedupeById } from "./events/dedupe.ts";
export { envelope } from "./events/envelope.ts";
export { forward } from "./events/forward.ts";
export { MemoryEventBus } from "./events/memory.ts";
export { compilePattern } from "./events/pattern.ts";
export { oldestKeyDropper } from "./eviction.ts";
export { isDeeplyFrozen } from "./frozen.ts";
export { createServiceApp, metricsOf, type ReadinessCheck, type ServiceAppOptions } from "./http.ts";
export { newId } from "./ids.ts";
export { followVenueInstruments } from "./instrument-feed.ts";
export { InstrumentCatalog, type InstrumentSpec, SIM_INSTRUMENTS } from "./instruments.ts";
export {
  ACTOR_HEADER,
  allowedHostsFromEnv,
  hostRefusal,
  httpActor,
  type InternalPlaneOptions,
  internalPlaneRefusal,
} from "./internal-plane.ts";
export {
  holdLeadership,
  type Leadership,
  type LeadershipLoss,
  type LeadershipOptions,
} from "./lock/leader.ts";
export { MemoryLock } from "./lock/memory.ts";
export { createLogger, type Logger, type LogLevel } from "./log.ts";
export { Counter, Gauge, Histogram, MetricsRegistry } from "./metrics.ts";
export { MemoryRateLimiter } from "./rate-limit/memory.ts";
export { type CallArgs, type CallOptions, type RpcClient, rpcClient } from "./rpc/client.ts";
export { DEFAULT_RPC_TIMEOUT_MS, MemoryRpc } from "./rpc/memory.ts";
export { serve } from "./rpc/typed.ts";
export { memoryRuntime, type Runtime } from "./runtime.ts";
export { closeRuntime, runtimeFromEnv, transportConfigSpec } from "./runtime-env.ts";
export { type Listening, listen, runStandalone, type Service } from "./service.ts";
export {
  credentialMatches,
  randomServiceToken,
  resolveServiceCredential,
  SERVICE_TOKEN_ENV,
  serviceAuthHeaders,
  serviceCredential,
} from "./service-credential.ts";
export {
  ALWAYS_OPEN,
  isHoliday,
  krxHolidaysOf,
  krxSchedule,
  parseHolidays,
  SessionClock,
  type SessionPhase,
  type SessionSchedule,
  sessionConfigSpec,
  sessionEndFor,
  sessionEndOf,
  sessionsFor,
} from "./sessions.ts";
export { type Closer, Lifecycle } from "./shutdown.ts";
export {
  KRX_STOCK_TICKS,
  type TickSpec,
  type TickTable,
  tickAt,
  tickSizeAt,
  tickSpecOf,
  tickTableFor,
  UPBIT_KRW_TICKS,
} from "./ticks.ts";
export { observeTradingMetrics } from "./trading-metrics.ts";
export { compile, type Validator } from "./validate.ts";
