export { type BrokerPublished, startBrokerUnderTest } from "./testing/broker-under-test.ts";
export {
  brokenAnswer,
  type FakeLimit,
  type FakeRequest,
  type FakeRoute,
  type FakeSocketHandler,
  FakeVenue,
  type FakeVenueOptions,
  type Misbehaviour,
  type SocketData,
} from "./testing/fake-venue.ts";
export {
  driveWorkers,
  formatProof,
  type LimitReading,
  type LimitsProofOptions,
  type LimitsProofResult,
  type LimitsReferee,
  type ProofReplica,
  processReplica,
  runLimitsProof,
  runReplicaProcess,
} from "./testing/limits-proof.ts";
export { metricValue, scrapeMetrics } from "./testing/metrics.ts";
export {
  orderPlacer,
  type ProofFake,
  proveVenueLimits,
  type ReplicaClient,
  type ReplicaContext,
  type VenueProof,
  type VenueProofRun,
  venueProofMain,
} from "./testing/venue-proof.ts";
export { WindowMeter } from "./testing/window-meter.ts";
