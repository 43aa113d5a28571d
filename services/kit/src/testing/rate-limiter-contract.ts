import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { BucketSpec, RateLimiter } from "@jts/contracts";

/** The one suite every RateLimiter adapter passes (in-memory, Redis). */
export function rateLimiterContract(name: string, createLimiter: () => Promise<RateLimiter>) {
  describe(`RateLimiter contract: ${name}`, () => {
    let limiter: RateLimiter;
    let k: string;
    beforeEach(async () => {
      limiter = await createLimiter();
      k = `k${Math.random().toString(36).slice(2, 8)}`;
    });
    afterEach(async () => {
      await limiter.close();
    });

    const perMinute = (capacity: number): BucketSpec => ({ name: "min", capacity, refillPerSecond: capacity / 60 });

    it("passes up to the capacity, then refuses with a retry time", async () => {
      const decisions = [];
      for (let i = 0; i < 6; i++) decisions.push(await limiter.take(k, [perMinute(5)]));
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
      expect(decisions[0]).toMatchObject({ remaining: 4, limit: 5, retryAfterMs: 0 });
      expect(decisions[5]?.remaining).toBe(0);
      expect(decisions[5]?.retryAfterMs).toBeGreaterThan(5000);
      expect(decisions[5]?.retryAfterMs).toBeLessThanOrEqual(12_000);
    });

    it("counts a weighted call as that many requests", async () => {
      expect((await limiter.take(k, [perMinute(10)], 7)).allowed).toBe(true);
      expect((await limiter.take(k, [perMinute(10)], 4)).allowed).toBe(false);
      expect((await limiter.take(k, [perMinute(10)], 3)).allowed).toBe(true);
    });

    it("refills over time", async () => {
      const fast: BucketSpec = { name: "s", capacity: 2, refillPerSecond: 20 };
      await limiter.take(k, [fast]);
      await limiter.take(k, [fast]);
      expect((await limiter.take(k, [fast])).allowed).toBe(false);
      await Bun.sleep(120);
      expect((await limiter.take(k, [fast])).allowed).toBe(true);
    });

    it("passes only when every bucket has room and takes from none otherwise", async () => {
      const burst: BucketSpec = { name: "burst", capacity: 2, refillPerSecond: 0.001 };
      const sustained: BucketSpec = { name: "sustained", capacity: 3, refillPerSecond: 0.001 };
      expect((await limiter.take(k, [burst, sustained])).allowed).toBe(true);
      expect((await limiter.take(k, [burst, sustained])).allowed).toBe(true);
      const refused = await limiter.take(k, [burst, sustained]);
      expect(refused).toMatchObject({ allowed: false, limit: 2 });
      // The refused call took nothing from the sustained bucket: one token is still there.
      expect((await limiter.take(k, [sustained])).allowed).toBe(true);
      expect((await limiter.take(k, [sustained])).allowed).toBe(false);
    });

    it("allows exactly the limit in a sliding window and says when the oldest call leaves it", async () => {
      const window: BucketSpec = { name: "w", limit: 5, windowMs: 300 };
      const results = [];
      for (let i = 0; i < 8; i++) results.push(await limiter.take(k, [window]));
      expect(results.filter((r) => r.allowed)).toHaveLength(5);
      const refused = results[7];
      expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 5 });
      expect(refused?.retryAfterMs).toBeGreaterThan(0);
      expect(refused?.retryAfterMs).toBeLessThanOrEqual(300);
      await Bun.sleep(350);
      expect((await limiter.take(k, [window])).allowed).toBe(true);
    });

    it("counts a weighted call against a window and never lets concurrent callers past the limit", async () => {
      const window: BucketSpec = { name: "w", limit: 30, windowMs: 60_000 };
      expect((await limiter.take(k, [window], 25)).allowed).toBe(true);
      expect((await limiter.take(k, [window], 6)).allowed).toBe(false);
      const results = await Promise.all(Array.from({ length: 20 }, () => limiter.take(k, [window])));
      expect(results.filter((r) => r.allowed)).toHaveLength(5);
    });

    it("keeps keys apart", async () => {
      await limiter.take(`${k}-a`, [perMinute(1)]);
      expect((await limiter.take(`${k}-a`, [perMinute(1)])).allowed).toBe(false);
      expect((await limiter.take(`${k}-b`, [perMinute(1)])).allowed).toBe(true);
    });

    it("never lets concurrent callers take more than the capacity", async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => limiter.take(k, [perMinute(20)])));
      expect(results.filter((r) => r.allowed)).toHaveLength(20);
    });
  });
}
