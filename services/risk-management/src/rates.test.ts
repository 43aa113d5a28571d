import { describe, expect, it } from "bun:test";
import type { RiskLimits } from "@jts/contracts";
import { MemoryRateLimiter } from "@jts/kit";
import { orderFixture } from "@jts/kit/testing";
import { limiterKey, submitRateRefusal } from "./rates.ts";

const LIMITS: RiskLimits = { maxOrderNotional: "1000000", maxPositionNotional: "2000000" };
const stamp = () => "1765000000000000000";

describe("submitRateRefusal", () => {
  it("refuses the order past the strategy's rate, and it takes nothing from the account's window then", async () => {
    const limiter = new MemoryRateLimiter(() => 1_000);
    const limits: RiskLimits = {
      ...LIMITS,
      strategySubmitRate: { limit: 2, windowMs: 1000 },
      accountSubmitRate: { limit: 3, windowMs: 1000 },
    };
    const mine = orderFixture({ strategyId: "ma-1" });
    expect(await submitRateRefusal(limiter, limits, mine, stamp)).toBeNull();
    expect(await submitRateRefusal(limiter, limits, mine, stamp)).toBeNull();
    expect(await submitRateRefusal(limiter, limits, mine, stamp)).toEqual({
      approved: false,
      rule: "STRATEGY_SUBMIT_RATE",
      reason: "strategy ma-1 may submit 2 orders per 1000 ms; retry in 1000 ms",
      tsEvent: stamp(),
    });
    // The account took 2 so far: one more fits, the next does not.
    const manual = orderFixture({ strategyId: null });
    expect(await submitRateRefusal(limiter, limits, manual, stamp)).toBeNull();
    const refused = await submitRateRefusal(limiter, limits, manual, stamp);
    expect(refused?.rule).toBe("ACCOUNT_SUBMIT_RATE");
    expect(refused?.reason).toBe(`account ${manual.account} may submit 3 orders per 1000 ms; retry in 1000 ms`);
  });

  it("keeps the limiter keys it always used, per strategy and per account", async () => {
    const keys: string[] = [];
    const limiter = new MemoryRateLimiter();
    const take = limiter.take.bind(limiter);
    limiter.take = (key, specs, weight) => {
      keys.push(key);
      return take(key, specs, weight);
    };
    const limits: RiskLimits = {
      ...LIMITS,
      strategySubmitRate: { limit: 10, windowMs: 1000 },
      accountSubmitRate: { limit: 10, windowMs: 1000 },
    };
    await submitRateRefusal(limiter, limits, orderFixture({ account: "acc-1", strategyId: "s-1" }), stamp);
    await submitRateRefusal(limiter, { ...LIMITS }, orderFixture({ account: "acc-1", strategyId: "s-1" }), stamp);
    expect(keys).toEqual(["risk:strategy:s-1", "risk:account:acc-1"]);
  });
});

describe("limiterKey", () => {
  it("gives each id its prefixed key, the same again on the next order, and starts over once full", () => {
    const keys = new Map<string, string>();
    const first = limiterKey(keys, "risk:account:", "acc-1");
    expect(first).toBe("risk:account:acc-1");
    expect(limiterKey(keys, "risk:account:", "acc-1")).toBe(first);
    for (let i = 0; i < 5000; i++) expect(limiterKey(keys, "risk:account:", `a-${i}`)).toBe(`risk:account:a-${i}`);
    expect(keys.size).toBeLessThanOrEqual(4096);
    expect(limiterKey(keys, "risk:account:", "acc-1")).toBe("risk:account:acc-1");
  });
});
