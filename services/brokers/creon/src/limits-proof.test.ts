import { expect, it } from "bun:test";
import { formatProof, proveVenueLimits } from "@jts/broker-kit/testing";
import { serverUrl } from "@jts/kit/testing";
import { creonProof } from "./limits-proof.ts";

const url = serverUrl("REDIS_URL");

// Creon's windows are fixed at 15 s in the connector (CREON_LIMITS), so the short run is one full window.
if (url)
  it("three replicas over one Redis never pass Creon's 20 orders or 60 queries in any 15 s and use >= 90 % of them", async () => {
    const result = await proveVenueLimits(creonProof, {
      durationMs: 15_000,
      redisUrl: url,
      prefix: `test:creon-proof:${Date.now()}:`,
    });
    console.log(formatProof("Creon limits (one window)", result));
    expect(result.readings.map((r) => [r.group, r.limit])).toEqual([
      ["trade", 20],
      ["query", 60],
    ]);
    for (const reading of result.readings) {
      expect(reading.peak).toBeLessThanOrEqual(reading.limit);
      expect(reading.use).toBeGreaterThanOrEqual(0.9);
    }
    expect(result.failures).toBe(0);
    expect(result.refusedByVenue).toBe(0);
    expect(result.ok).toBe(true);
  }, 40_000);
else it.skip("Creon limits proof (REDIS_URL not set)", () => {});
