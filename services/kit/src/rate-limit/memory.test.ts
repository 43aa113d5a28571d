import { describe, expect, it } from "bun:test";
import type { BucketSpec } from "@jts/contracts";
import { rateLimiterContract } from "../testing/rate-limiter-contract.ts";
import { MemoryRateLimiter } from "./memory.ts";

rateLimiterContract("memory", async () => new MemoryRateLimiter());

describe("MemoryRateLimiter memory", () => {
  const window: BucketSpec = { name: "w", limit: 5, windowMs: 1000 };
  const bucket: BucketSpec = { name: "b", capacity: 5, refillPerSecond: 5 };

  it("forgets a key once its windows and buckets are back to empty and full (as Redis lets them expire)", async () => {
    let t = 0;
    const limiter = new MemoryRateLimiter(() => t);
    // One-off keys (a gateway's `refresh:<hash of any token sent>`): 100 bursts of 1000, 2 s apart.
    for (let burst = 0; burst < 100; burst++, t += 2000)
      for (let i = 0; i < 1000; i++) await limiter.take(`once:${burst}:${i}`, [window, bucket]);
    expect(limiter.keyCount).toBeLessThan(5000);
  });

  it("keeps a key whose window or bucket still holds calls through a sweep", async () => {
    let t = 0;
    const limiter = new MemoryRateLimiter(() => t);
    for (let i = 0; i < 5; i++) expect((await limiter.take("busy", [window])).allowed).toBe(true);
    await limiter.take("drained", [{ ...bucket, capacity: 1, refillPerSecond: 0.001 }]);
    t = 500;
    for (let i = 0; i < 20_000; i++) await limiter.take(`other:${i}`, [window]);
    t = 600;
    expect((await limiter.take("busy", [window])).allowed).toBe(false);
    expect((await limiter.take("drained", [{ ...bucket, capacity: 1, refillPerSecond: 0.001 }])).allowed).toBe(false);
    t = 1001;
    expect((await limiter.take("busy", [window])).allowed).toBe(true);
  });
});
