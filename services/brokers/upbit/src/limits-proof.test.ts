import { limitsProofTest } from "@jts/broker-kit/proof-test";
import { upbitProof } from "./limits-proof.ts";

limitsProofTest(upbitProof, {
  durationMs: 4_000,
  limits: { order: 12, default: 30, candle: 10, "order-cancel-all": 1 },
  description: "three replicas over one Redis stay within Upbit's per-second group limits while using >= 90 % of them",
});
