import { limitsProofTest } from "@jts/broker-kit/proof-test";
import { creonProof } from "./limits-proof.ts";

// Creon's windows are fixed at 15 s in the connector (CREON_LIMITS), so the short run is one full window.
limitsProofTest(creonProof, {
  durationMs: 15_000,
  limits: { trade: 20, query: 60 },
  description:
    "three replicas over one Redis never pass Creon's 20 orders or 60 queries in any 15 s and use >= 90 % of them",
});
