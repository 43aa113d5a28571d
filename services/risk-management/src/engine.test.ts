import { describe, expect, it } from "bun:test";
import type { Fill, Order } from "@jts/contracts";
import { InstrumentCatalog } from "@jts/kit";
import { orderFixture } from "@jts/kit/testing";
import { RiskEngine } from "./engine.ts";

const order = (overrides: Partial<Order> = {}): Order => orderFixture(overrides);

const fill = (side: "BUY" | "SELL", quantity: string): Fill => ({
  id: `f-${side}-${quantity}`,
  orderId: "o0",
  clientOrderId: "c0",
  account: "acc",
  venue: "sim",
  symbol: "005930",
  side,
  price: "70000",
  quantity,
  fee: "0",
  feeCurrency: "KRW",
  liquidity: "TAKER",
  strategyId: null,
  tsEvent: "1",
});

function engine() {
  const e = new RiskEngine(new InstrumentCatalog(), { maxOrderNotional: "1000000", maxPositionNotional: "2000000" });
  e.onPrice("005930", "70000");
  return e;
}

describe("risk engine", () => {
  it("approves an order inside every limit", () => {
    expect(engine().check(order())).toMatchObject({ approved: true, rule: null });
  });

  it("refuses an order above the max notional, valued at the last price for MARKET", () => {
    const decision = engine().check(order({ quantity: "15" }));
    expect(decision).toMatchObject({ approved: false, rule: "MAX_ORDER_NOTIONAL" });
    expect(decision.reason).toContain("1050000");
  });

  it("values a LIMIT order at its own price", () => {
    expect(engine().check(order({ type: "LIMIT", price: "60000", quantity: "16" })).approved).toBe(true);
  });

  it("refuses an order that would take the position above its limit", () => {
    const e = engine();
    e.onFill(fill("BUY", "15"));
    expect(e.check(order({ quantity: "14" }))).toMatchObject({ approved: false, rule: "MAX_POSITION" });
    expect(e.check(order({ side: "SELL", quantity: "14" })).approved).toBe(true);
  });

  it("refuses every new order when HALTED and says why", () => {
    const e = engine();
    e.setState("HALTED", "kill switch", "tester");
    const decision = e.check(order());
    expect(decision).toMatchObject({ approved: false, rule: "TRADING_HALTED" });
    expect(decision.reason).toContain("kill switch");
  });

  it("passes only position-reducing orders when REDUCING", () => {
    const e = engine();
    e.onFill(fill("BUY", "10"));
    e.setState("REDUCING", "drawdown", "tester");
    expect(e.check(order({ side: "BUY", quantity: "1" })).rule).toBe("REDUCING_ONLY");
    expect(e.check(order({ side: "SELL", quantity: "11" })).rule).toBe("REDUCING_ONLY");
    expect(e.check(order({ side: "SELL", quantity: "10" })).approved).toBe(true);
  });

  it("refuses when no price is known and for an unknown instrument", () => {
    const e = new RiskEngine(new InstrumentCatalog(), { maxOrderNotional: "1", maxPositionNotional: "1" });
    expect(e.check(order()).rule).toBe("NO_PRICE");
    expect(e.check(order({ symbol: "XRP-KRW" })).rule).toBe("UNKNOWN_INSTRUMENT");
  });

  it("reports a state change once and not when the state is unchanged", () => {
    const e = engine();
    expect(e.setState("HALTED", "x", "y")).toMatchObject({ state: "HALTED", previous: "ACTIVE" });
    expect(e.setState("HALTED", "x", "y")).toBeNull();
  });
});
