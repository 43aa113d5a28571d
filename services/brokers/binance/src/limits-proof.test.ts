import { limitsProofTest } from "@jts/broker-kit/proof-test";
import { binanceProof } from "./limits-proof.ts";

limitsProofTest(binanceProof, {
  durationMs: 3_000,
  limits: { weight: 6000, orders: 100 },
  description:
    "three replicas over one Redis stay within Binance's weight and order limits while using >= 90 % of them",
});
