export {
  type BackfillCheckpoint,
  type BackfillOptions,
  type CandleSink,
  type CandleSource,
  clickHouseCandleSink,
  progressLine,
  runBackfill,
} from "./backfill.ts";
export { type BackfillCliOptions, parseTime, runBackfillCli } from "./backfill-cli.ts";
export {
  type BrokerService,
  type BrokerServiceOptions,
  createBrokerService,
  type VenueConnector,
  type VenueSink,
} from "./broker-service.ts";
export { HttpDateClock, type HttpDateClockOptions, ServerClock, type ServerClockOptions } from "./clock.ts";
export { requireCredentials, venueCredential } from "./credentials.ts";
export { floatDecimal, venueDecimal } from "./decimal.ts";
export { retryAfterMs, VenueError, type VenueErrorKind } from "./errors.ts";
export {
  encodeQuery,
  type HttpMethod,
  type OutgoingRequest,
  type QueryValue,
  VenueHttpClient,
  type VenueHttpOptions,
  type VenueRequest,
} from "./http-client.ts";
export { krxCashOrderProblem } from "./krx.ts";
export { epochMsToKst, kstDay, kstToEpochMs } from "./kst.ts";
export { brokerAck, orderReport, refusedPlacement, unknownOutcomeAck } from "./order-answers.ts";
export { type ConnectorFeeds, type OrderClient, orderClientConnector } from "./order-client-connector.ts";
export { PlaceInFlightError, PlaceOnce } from "./place-once.ts";
export { PLACED_ORDER_TTL_MS, type PlacedOrder, PlacedOrders, type Placement } from "./placed-orders.ts";
export {
  brokerGate,
  type Cost,
  type LimitGroup,
  paced,
  perWindow,
  RateGate,
  type RateGateOptions,
  type VenueLimits,
} from "./rate-gate.ts";
export {
  credentialTag,
  hmacSha256Hex,
  type JwtAlgorithm,
  sameSignature,
  sha512Hex,
  signJwt,
  verifyJwt,
} from "./signing.ts";
export { SubscriptionLimitError, SymbolSocket, type SymbolSocketOptions } from "./symbol-socket.ts";
export { VenueMetrics } from "./venue-metrics.ts";
export { type BackoffOptions, type SocketStats, VenueSocket, type VenueSocketOptions } from "./ws-client.ts";
