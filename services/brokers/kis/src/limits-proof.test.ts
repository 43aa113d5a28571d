import { expect, it } from "bun:test";
import { formatProof, proveVenueLimits } from "@jts/broker-kit/testing";
import { serverUrl } from "@jts/kit/testing";
import type { KisEnv } from "./config.ts";
import { kisProof } from "./limits-proof.ts";

const url = serverUrl("REDIS_URL");

const cases: Array<{ env: KisEnv; limit: number; durationMs: number }> = [
  { env: "live", limit: 20, durationMs: 3_000 },
  { env: "paper", limit: 2, durationMs: 4_000 },
];

for (const { env, limit, durationMs } of cases)
  if (url)
    it(`three replicas placing orders over one Redis never pass KIS ${env}'s ${limit} requests in any second and use >= 90 % of them`, async () => {
      const result = await proveVenueLimits(kisProof(env), {
        durationMs,
        redisUrl: url,
        prefix: `test:kis-proof:${env}:${Date.now()}:`,
      });
      console.log(formatProof(`KIS ${env} limits (short)`, result));
      const [rest] = result.readings;
      expect(rest?.limit).toBe(limit);
      expect(rest?.peak).toBeLessThanOrEqual(limit);
      expect(rest?.use).toBeGreaterThanOrEqual(0.9);
      expect(result.failures).toBe(0);
      expect(result.refusedByVenue).toBe(0);
      expect(result.ok).toBe(true);
    }, 20_000);
  else it.skip(`KIS ${env} limits proof (REDIS_URL not set)`, () => {});
