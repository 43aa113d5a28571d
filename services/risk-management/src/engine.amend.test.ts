import { describe, expect, it } from "bun:test";
import { type Fill, fx, type Order } from "@jts/contracts";
import { InstrumentCatalog } from "@jts/kit";
import { fillFixture, orderFixture } from "@jts/kit/testing";
import { RiskEngine } from "./engine.ts";
import { cashAccount } from "./testing.ts";

/**
 * Issue 13, review 13b findings 6 and 7: an amend as risk sees it. A
 * cancel-replace's replacement names the order it `replaces`, which leaves
 * the sums (before, both were counted: every amend of a cash account's order
 * near its balance was refused). A native amend (same order, new terms) holds
 * the worst of its old and new terms until the OMS's next update (before, the
 * approval left the old terms counted, so a raised price held nothing more).
 */
const WEDNESDAY_10_KST = Date.UTC(2026, 10, 25, 1, 0);

function engine(cash?: string) {
  const e = new RiskEngine(
    new InstrumentCatalog(),
    { maxOrderNotional: "100000000", maxPositionNotional: "100000000" },
    { now: () => WEDNESDAY_10_KST },
  );
  e.onPrice("005930", "70000");
  if (cash) e.seedAccount(cashAccount("acc", cash, { owner: "t" }));
  return e;
}
const limit = (id: string, overrides: Partial<Order> = {}): Order =>
  orderFixture({
    id,
    clientOrderId: id,
    type: "LIMIT",
    timeInForce: "GTC",
    price: "70000",
    quantity: "10",
    ...overrides,
  });
const working = (o: Order): Order => ({ ...o, status: "ACCEPTED" });
const fill = (side: "BUY" | "SELL", quantity: string): Fill =>
  fillFixture({ id: `f-${side}-${quantity}`, side, quantity });
const rule = (d: { approved: boolean; rule: string | null }) => (d.approved ? "APPROVED" : d.rule);
const buys = (e: RiskEngine) => fx.fromFixed(e.openOrders.working("acc", "005930")?.buy ?? 0n);

describe("risk: a cancel-replace's replacement leaves the order it replaces out (review 13b, finding 6)", () => {
  it("takes a price amend near the cash balance: 70,000 -> 70,100 on 800,000 cash", () => {
    const e = engine("800000");
    e.onOrder(working(limit("o1"))); // holds 700,105 with fees
    const replacement = limit("o1r", { price: "70100" }); // needs 701,105.15
    expect(rule(e.check(replacement))).toBe("INSUFFICIENT_BALANCE");
    expect(rule(e.check(replacement, "o1"))).toBe("APPROVED");
  });

  it("takes a cash account's stop amend of a sell that holds the whole position: stop 65,000 -> 68,000", () => {
    const e = engine("0");
    e.onFill(fill("BUY", "10"));
    e.onOrder(working(limit("s1", { side: "SELL", type: "STOP_MARKET", price: null, stopPrice: "65000" })));
    const replacement = limit("s1r", { side: "SELL", type: "STOP_MARKET", price: null, stopPrice: "68000" });
    expect(rule(e.check(replacement))).toBe("INSUFFICIENT_BALANCE");
    expect(rule(e.check(replacement, "s1"))).toBe("APPROVED");
  });

  it("takes a REDUCING account's amend of a sell that covers the whole long", () => {
    const e = engine();
    e.onFill(fill("BUY", "10"));
    e.onOrder(working(limit("s1", { side: "SELL", price: "71000" })));
    e.setState("REDUCING", "drawdown", "test", { account: "acc" });
    const replacement = limit("s1r", { side: "SELL", price: "70500" });
    expect(rule(e.check(replacement))).toBe("REDUCING_ONLY");
    expect(rule(e.check(replacement, "s1"))).toBe("APPROVED");
  });

  it("leaves out only an order of the same account, symbol and side", () => {
    const e = engine("800000");
    e.onOrder(working(limit("o1")));
    e.onOrder(working(limit("x1", { account: "other" })));
    e.onOrder(working(limit("s1", { side: "SELL", price: "80000", quantity: "1" })));
    const replacement = limit("o1r", { price: "70100" });
    expect(rule(e.check(replacement, "x1"))).toBe("INSUFFICIENT_BALANCE");
    expect(rule(e.check(replacement, "s1"))).toBe("INSUFFICIENT_BALANCE");
    expect(rule(e.check(replacement, "nope"))).toBe("INSUFFICIENT_BALANCE");
  });

  it("keeps the replaced order out once the replacement is accepted, until the OMS reports it ended, releasing it once", () => {
    const e = engine("800000");
    e.onOrder(working(limit("o1")));
    const replacement = limit("o1r", { price: "70100" });
    expect(e.check(replacement, "o1").approved).toBe(true);
    e.accept(replacement, "o1");
    expect(buys(e)).toBe("10"); // the replacement only
    // 800,000 - 701,105.15 = 98,894.85 free: one more share (70,010.5) fits, two do not.
    expect(e.check(limit("o3", { quantity: "1" })).approved).toBe(true);
    expect(rule(e.check(limit("o3", { quantity: "2" })))).toBe("INSUFFICIENT_BALANCE");
    // The old order's updates while the venue cancels it: still out.
    e.onOrder({ ...working(limit("o1")), status: "PARTIALLY_FILLED", filledQuantity: "4" });
    expect(buys(e)).toBe("10");
    e.onOrder({ ...limit("o1"), status: "CANCELED", filledQuantity: "4" });
    // Not released a second time (it was out): like any finished order it holds only the 4 the OMS
    // counted filled, until risk books them (review 13a, 1), and then nothing.
    expect(buys(e)).toBe("14");
    e.onFill({ ...fill("BUY", "4"), orderId: "o1" });
    expect(buys(e)).toBe("10");
    e.onOrder(working(replacement));
    expect(buys(e)).toBe("10");
    expect(rule(e.check(limit("o3", { quantity: "2" })))).toBe("INSUFFICIENT_BALANCE");
    // A late snapshot from the OMS does not bring the old order back.
    expect(e.openOrders.seed([working(limit("o1"))])).toBe(0);
  });

  it("counts the replaced order again when the replacement ends first (the cancel failed, the old one works)", () => {
    const e = engine("800000");
    e.onOrder(working(limit("o1")));
    const replacement = limit("o1r", { price: "70100" });
    e.accept(replacement, "o1");
    e.onOrder({ ...replacement, status: "REJECTED" });
    expect(buys(e)).toBe("10"); // o1 again
    expect(rule(e.check(limit("o3", { quantity: "2" })))).toBe("INSUFFICIENT_BALANCE"); // 99,895 free
  });

  it("undoes a withdrawn approval: the replaced order counts again, the replacement not at all", () => {
    const e = engine("800000");
    e.onOrder(working(limit("o1")));
    const replacement = limit("o1r", { price: "70100" });
    const undo = e.accept(replacement, "o1");
    undo();
    expect(buys(e)).toBe("10");
    expect(rule(e.check(replacement))).toBe("INSUFFICIENT_BALANCE");
    expect(e.openOrders.working("acc", "005930")?.orders.has("o1r")).toBe(false);
  });
});

describe("risk: a native amend's approval updates what the order holds (review 13b, finding 7)", () => {
  it("holds the raised price at once: o1 70,000 -> 79,000 on 1,450,000 cash, a second buy at 70,000 is refused", () => {
    const e = engine("1450000");
    const o1 = working(limit("o1"));
    e.onOrder(o1);
    const amended = { ...o1, price: "79000" };
    expect(e.check(amended).approved).toBe(true);
    e.accept(amended);
    const second = e.check(limit("o2"));
    expect(rule(second)).toBe("INSUFFICIENT_BALANCE"); // 790,118.5 + 700,105 > 1,450,000
    // The venue refused the amend: the OMS's update at the old price restores it.
    e.onOrder(o1);
    expect(e.check(limit("o2")).approved).toBe(true);
  });

  it("keeps holding the old, higher price of a lowered one until the OMS reports the amend done", () => {
    const e = engine("1450000");
    const o1 = working(limit("o1", { price: "79000" }));
    e.onOrder(o1);
    const lowered = { ...o1, price: "70000" };
    expect(e.check(lowered).approved).toBe(true);
    e.accept(lowered);
    // The venue may still fill at 79,000 before it amends, or refuse: 790,118.5 stays held.
    expect(rule(e.check(limit("o2")))).toBe("INSUFFICIENT_BALANCE");
    e.onOrder(lowered);
    expect(e.check(limit("o2")).approved).toBe(true);
  });

  it("holds the larger quantity of an amend until the OMS's update, and a withdrawn approval restores the old terms", () => {
    const e = engine();
    const o1 = working(limit("o1"));
    e.onOrder(o1);
    const undo = e.accept({ ...o1, quantity: "14" });
    expect(buys(e)).toBe("14");
    undo();
    expect(buys(e)).toBe("10");
    e.accept({ ...o1, quantity: "6" });
    expect(buys(e)).toBe("10");
    e.onOrder({ ...o1, quantity: "6" });
    expect(buys(e)).toBe("6");
  });
});
