import { limitsProofTest } from "@jts/broker-kit/proof-test";
import { kisProof } from "./limits-proof.ts";

limitsProofTest(kisProof("live"), {
  durationMs: 3_000,
  limits: { rest: 20 },
  description:
    "three replicas placing orders over one Redis never pass KIS live's 20 requests in any second and use >= 90 % of them",
});

limitsProofTest(kisProof("paper"), {
  durationMs: 4_000,
  limits: { rest: 2 },
  description:
    "three replicas placing orders over one Redis never pass KIS paper's 2 requests in any second and use >= 90 % of them",
});
