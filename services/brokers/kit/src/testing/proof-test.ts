import { expect, it } from "bun:test";
import { serverUrl } from "@jts/kit/testing";
import { formatProof } from "./limits-proof.ts";
import { proveVenueLimits, type VenueProof } from "./venue-proof.ts";

/**
 * The short test version of a venue's limits proof: runs it for `durationMs`
 * with three replicas over the test Redis, and passes when every window stayed
 * within its limit, each limit was used >= 90 %, no call failed and the fake
 * refused none. `limits` names the venue's numbers (group -> limit), so a
 * proof measured against the wrong limit fails too. Skipped without REDIS_URL.
 */
export function limitsProofTest(
  proof: VenueProof,
  options: { durationMs: number; limits: Record<string, number>; description: string },
): void {
  const url = serverUrl("REDIS_URL");
  if (!url) {
    it.skip(`${proof.title} proof (REDIS_URL not set)`, () => {});
    return;
  }
  it(
    options.description,
    async () => {
      const result = await proveVenueLimits(proof, {
        durationMs: options.durationMs,
        redisUrl: url,
        prefix: `test:${proof.name}-proof:${Date.now()}:`,
      });
      console.log(formatProof(`${proof.title} (${options.durationMs / 1000} s)`, result));
      expect(Object.fromEntries(result.readings.map((r) => [r.group, r.limit]))).toEqual(options.limits);
      for (const reading of result.readings) {
        expect(reading.peak).toBeLessThanOrEqual(reading.limit);
        expect(reading.use).toBeGreaterThanOrEqual(0.9);
      }
      expect(result.failures).toBe(0);
      expect(result.refusedByVenue).toBe(0);
      expect(result.ok).toBe(true);
    },
    options.durationMs + 20_000,
  );
}
