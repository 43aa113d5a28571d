export {
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
  type ProofReplica,
  processReplica,
  runLimitsProof,
  runReplicaProcess,
} from "./testing/limits-proof.ts";
export { WindowMeter } from "./testing/window-meter.ts";
