import { describe, expect, it } from "bun:test";
import { InstrumentCatalog } from "@jts/kit";
import { orderFixture } from "@jts/kit/testing";
import { RiskEngine } from "./engine.ts";

/** 2025-03-11 10:00 KST, a Tuesday long before the wall clock: a backtest's time. */
const PAST_MS = Date.UTC(2025, 2, 11, 1, 0);

describe("risk on an injected clock", () => {
  it("stamps decisions and state changes with that clock, not the wall clock", () => {
    let now = PAST_MS;
    const risk = new RiskEngine(
      new InstrumentCatalog(),
      { maxOrderNotional: "1000000", maxPositionNotional: "2000000" },
      { now: () => now },
    );
    risk.onPrice("005930", "70000");
    const approved = risk.check(orderFixture({ symbol: "005930", quantity: "1" }));
    expect(approved.approved).toBe(true);
    expect(approved.tsEvent).toBe(String(BigInt(PAST_MS) * 1_000_000n));
    now += 1000;
    const refused = risk.check(orderFixture({ symbol: "005930", quantity: "1000" }));
    expect(refused.rule).toBe("MAX_ORDER_NOTIONAL");
    expect(refused.tsEvent).toBe(String(BigInt(PAST_MS + 1000) * 1_000_000n));
    const change = risk.setState("HALTED", "test", "tester");
    expect(change?.tsEvent).toBe(String(BigInt(PAST_MS + 1000) * 1_000_000n));
    expect(risk.status().updatedAt).toBe(change?.tsEvent as string);
  });

  it("keeps the process clock when none is injected", () => {
    const risk = new RiskEngine(new InstrumentCatalog(), {
      maxOrderNotional: "1000000",
      maxPositionNotional: "2000000",
    });
    risk.onPrice("005930", "70000");
    const before = BigInt(Date.now() - 1000) * 1_000_000n;
    const decision = risk.check(orderFixture({ symbol: "005930", quantity: "1" }));
    expect(BigInt(decision.tsEvent)).toBeGreaterThan(before);
  });
});
