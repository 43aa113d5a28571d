import { describe, expect, it } from "bun:test";
import { MemoryCache, MemoryRateLimiter } from "@jts/kit";
import { brokerGate, paced, perWindow, RateGate } from "./rate-gate.ts";
import { credentialTag } from "./signing.ts";

const limits = {
  weight: { scope: "ip" as const, buckets: [perWindow("1m", 10, 60_000)] },
  orders: { scope: "account" as const, buckets: [perWindow("1s", 2, 1000, 0)] },
};

describe("RateGate", () => {
  it("keys ip groups by IP and account groups by account, so two accounts share one IP budget", async () => {
    const limiter = new MemoryRateLimiter();
    const a = new RateGate(limiter, { venue: "v", limits, accountId: "a" });
    const b = new RateGate(limiter, { venue: "v", limits, accountId: "b", maxSleepMs: 50 });
    expect(a.keyOf("weight")).toBe(b.keyOf("weight"));
    expect(a.keyOf("orders")).not.toBe(b.keyOf("orders"));
    await a.acquire([{ group: "weight", weight: 6 }]);
    const started = performance.now();
    const waiting = b.acquire([{ group: "weight", weight: 6 }]);
    const raced = await Promise.race([waiting.then(() => "passed"), Bun.sleep(100).then(() => "waiting")]);
    expect(raced).toBe("waiting");
    b.close();
    await expect(waiting).rejects.toMatchObject({ kind: "unavailable" });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("refuses at once a weight larger than the whole limit", async () => {
    const gate = new RateGate(new MemoryRateLimiter(), { venue: "v", limits });
    await expect(gate.acquire([{ group: "weight", weight: 11 }])).rejects.toMatchObject({ kind: "rejected" });
    await expect(gate.acquire([{ group: "nope" }])).rejects.toThrow("unknown limit group");
  });

  it("shares a venue-ordered pause with every replica through the cache", async () => {
    const cache = new MemoryCache();
    const one = new RateGate(new MemoryRateLimiter(), { venue: "v", limits, cache });
    const two = new RateGate(new MemoryRateLimiter(), { venue: "v", limits, cache });
    await one.pauseFor(300);
    expect(await two.pauseLeftMs()).toBeGreaterThan(200);
    const started = performance.now();
    await two.acquire([{ group: "orders" }]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("widens windows by a margin and paces bursts to a quarter of the limit", () => {
    expect(perWindow("1s", 12, 1000)).toEqual({ name: "1s", limit: 12, windowMs: 1050 });
    expect(perWindow("1m", 6000, 60_000)).toEqual({ name: "1m", limit: 6000, windowMs: 63_000 });
    expect(paced("1s", 12, 1000)).toEqual([
      { name: "1s", limit: 12, windowMs: 1050 },
      { name: "1s-pace", capacity: 3, refillPerSecond: 12 },
    ]);
  });

  it("brokerGate keys account groups by a tag of the API key, never the key, and one tag for no key", () => {
    const runtime = { limiter: new MemoryRateLimiter(), cache: new MemoryCache() };
    const gate = brokerGate(runtime, "v", limits, "secret-api-key");
    expect(gate.keyOf("orders")).toContain(credentialTag("secret-api-key"));
    expect(gate.keyOf("orders")).not.toContain("secret-api-key");
    expect(brokerGate(runtime, "v", limits, "").keyOf("orders")).toBe(
      new RateGate(runtime.limiter, { venue: "v", limits, accountId: credentialTag("none") }).keyOf("orders"),
    );
  });
});
