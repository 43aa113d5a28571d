/**
 * Where review 13a's rules (a working order holds its quantity less the fills
 * risk booked, a finished one its unbooked fills, late updates ignored, one
 * coin pool) meet review 13b's amends (a cancel-replace's `replaces`, a native
 * amend's worst-of terms, the undo of a withdrawn approval).
 */
import { describe, expect, it } from "bun:test";
import { type Account, type Balance, type Fill, fx, type Order } from "@jts/contracts";
import { InstrumentCatalog, SIM_INSTRUMENTS } from "@jts/kit";
import { fillFixture, orderFixture } from "@jts/kit/testing";
import { RiskEngine } from "./engine.ts";
import { marginAccount } from "./testing.ts";

const WEDNESDAY_10_KST = Date.UTC(2026, 10, 25, 1, 0);

const ETH_BTC = {
  ...(SIM_INSTRUMENTS[1] as (typeof SIM_INSTRUMENTS)[number]),
  symbol: "ETH-BTC",
  quote: "BTC",
  tickSize: "0.00001",
  minNotional: "0.0001",
  makerFee: "0",
  takerFee: "0",
};

function engine(...balances: Balance[]) {
  const e = new RiskEngine(
    new InstrumentCatalog([...SIM_INSTRUMENTS, ETH_BTC]),
    { maxOrderNotional: "10000000000", maxPositionNotional: "10000000000" },
    { now: () => WEDNESDAY_10_KST },
  );
  e.onPrice("005930", "70000");
  e.onPrice("BTC-KRW", "150000000");
  e.onPrice("ETH-BTC", "0.05");
  if (balances.length > 0) e.seedAccounts([marginAccount("acc", { kind: "CASH", balances }) as Account]);
  return e;
}
const balance = (currency: string, total: string): Balance => ({
  account: "acc",
  currency,
  total,
  free: total,
  locked: "0",
});
const limit = (id: string, overrides: Partial<Order> = {}): Order =>
  orderFixture({
    id,
    clientOrderId: id,
    type: "LIMIT",
    timeInForce: "GTC",
    price: "70000",
    quantity: "10",
    status: "ACCEPTED",
    updatedAt: "2",
    ...overrides,
  });
let seq = 0;
const fill = (orderId: string, quantity: string, overrides: Partial<Fill> = {}): Fill =>
  fillFixture({ id: `f-${++seq}`, orderId, clientOrderId: orderId, quantity, ...overrides });
const buys = (e: RiskEngine, symbol = "005930") => fx.fromFixed(e.openOrders.working("acc", symbol)?.buy ?? 0n);
const sells = (e: RiskEngine, symbol: string) => fx.fromFixed(e.openOrders.working("acc", symbol)?.sell ?? 0n);
const rule = (d: { approved: boolean; rule: string | null }) => (d.approved ? "APPROVED" : d.rule);

describe("risk: a native amend holds its worst terms less the fills booked", () => {
  it("a fill booked while the approval waits lowers it, and the undo restores the old size less that fill", () => {
    const e = engine();
    const o1 = limit("o1");
    e.onOrder(o1);
    e.onFill(fill("o1", "4"));
    expect(buys(e)).toBe("6");
    const undo = e.accept({ ...o1, quantity: "12", filledQuantity: "4" });
    expect(buys(e)).toBe("8"); // 12 less the 4 booked
    e.onFill(fill("o1", "2")); // while the submit rate is asked
    expect(buys(e)).toBe("6");
    undo(); // the submit rate refused the amend
    expect(buys(e)).toBe("4"); // 10 less the 6 booked, not the 6 held before the second fill
    // The OMS's next update is the truth, still counted from the fills booked.
    e.onOrder({ ...o1, quantity: "12", filledQuantity: "4", updatedAt: "3" });
    expect(buys(e)).toBe("6");
  });
});

describe("risk: a native amend (or re-check) of a partly filled order checks only what is left of it", () => {
  it("cash: 9 of 10 bought and paid, the last one re-priced 70,000 -> 70,100 needs 70,110.5, not the whole 701,105", () => {
    const e = engine(balance("KRW", "800000"));
    const o1 = limit("o1", { status: "PARTIALLY_FILLED", filledQuantity: "9" });
    e.onOrder(o1);
    e.onFill(fill("o1", "9")); // 630,000 paid: 170,000 left, 70,010.5 of it held by the last share
    const amended = { ...o1, price: "70100" };
    expect(e.check(amended).approved).toBe(true);
    e.accept(amended);
    expect(buys(e)).toBe("1");
    // 170,000 - 70,110.515 = 99,889.485 free: one more share fits, two do not.
    expect(e.check(limit("b", { quantity: "1", status: "NEW" })).approved).toBe(true);
    expect(rule(e.check(limit("b", { quantity: "2", status: "NEW" })))).toBe("INSUFFICIENT_BALANCE");
    // Not booked yet, the fills do not count as paid: the whole order is checked (the cash is still there).
    const f = engine(balance("KRW", "800000"));
    f.onOrder(o1);
    expect(f.check(amended).approved).toBe(true);
    expect(rule(f.check({ ...amended, quantity: "12" }))).toBe("INSUFFICIENT_BALANCE");
  });

  it("position: the fills booked for the order are in the position, not counted a second time", () => {
    const e = new RiskEngine(
      new InstrumentCatalog(),
      { maxOrderNotional: "1000000", maxPositionNotional: "1000000" },
      { now: () => WEDNESDAY_10_KST },
    );
    e.onPrice("005930", "70000");
    const o1 = limit("o1", { quantity: "14", status: "PARTIALLY_FILLED", filledQuantity: "10" });
    e.onOrder(o1);
    e.onFill(fill("o1", "10"));
    // Position 10 + the 4 left = 980,000: the re-check passes (it was 24 x 70,000 = 1,680,000 before).
    expect(e.check(o1).approved).toBe(true);
    expect(rule(e.check({ ...o1, quantity: "15" }))).toBe("MAX_ORDER_NOTIONAL");
    expect(rule(e.check(limit("o2", { quantity: "1", status: "NEW" })))).toBe("MAX_POSITION"); // 15 x 70,000
  });
});

describe("risk: a cancel-replace with fills on either order", () => {
  it("the replacement holds its quantity less its own fills; the replaced order counts again less the fills booked for it meanwhile", () => {
    const e = engine();
    e.onOrder(limit("o1"));
    const replacement = limit("o1r", { price: "70100", status: "NEW" });
    expect(e.check(replacement, "o1").approved).toBe(true);
    e.accept(replacement, "o1");
    expect(buys(e)).toBe("10");
    e.onFill(fill("o1r", "3")); // the OMS publishes a fill before the order's update
    expect(buys(e)).toBe("7");
    e.onOrder({ ...replacement, status: "ACCEPTED", updatedAt: "3" }); // not counting the fill yet
    expect(buys(e)).toBe("7");
    e.onFill(fill("o1", "2")); // the old order filled a little before the venue took its cancel
    expect(buys(e)).toBe("7"); // it is out: its fill is in the position only
    expect(e.position("acc", "005930")).toBe(fx.toFixed("5"));
    // The replacement ends first: the old order may still work, and holds 10 less its 2 booked.
    e.onOrder({ ...replacement, status: "CANCELED", filledQuantity: "3", updatedAt: "4" });
    expect(buys(e)).toBe("8");
  });

  it("an older update of a replaced order changes nothing; a newer working one sets the terms it counts again with", () => {
    const e = engine();
    e.onOrder(limit("o1", { updatedAt: "5" }));
    const replacement = limit("o1r", { price: "70100", status: "NEW", updatedAt: "5" });
    e.accept(replacement, "o1");
    e.onOrder(limit("o1", { status: "CANCELED", updatedAt: "4" })); // late: older than what is held
    e.onOrder(limit("o1", { quantity: "20", updatedAt: "3" })); // late too
    expect(buys(e)).toBe("10"); // the replacement only
    e.onOrder(limit("o1", { status: "PARTIALLY_FILLED", filledQuantity: "4", updatedAt: "6" }));
    e.onFill(fill("o1", "4"));
    expect(buys(e)).toBe("10");
    // The replacement is rejected: the old order still works (the late CANCELED did not end it).
    e.onOrder({ ...replacement, status: "REJECTED", updatedAt: "7" });
    expect(buys(e)).toBe("6"); // its newer terms, less the 4 booked
    // Its real end releases what it holds, once.
    e.onOrder(limit("o1", { status: "CANCELED", filledQuantity: "4", updatedAt: "8" }));
    expect(buys(e)).toBe("0");
  });

  it("a replaced order that ends with fills not booked holds them until they are, and releases nothing more", () => {
    const e = engine(balance("KRW", "1500000"));
    e.onOrder(limit("o1"));
    const replacement = limit("o1r", { price: "70100", status: "NEW" });
    expect(e.check(replacement, "o1").approved).toBe(true);
    e.accept(replacement, "o1");
    e.onOrder(limit("o1", { status: "CANCELED", filledQuantity: "4", updatedAt: "3" }));
    expect(buys(e)).toBe("14"); // the replacement's 10, o1's 4 filled and not booked yet
    // 1,500,000 - 701,105.15 - 280,042 = 518,852.85 free: 7 shares (490,073.5) fit, 8 do not.
    expect(rule(e.check(limit("b", { quantity: "8" })))).toBe("INSUFFICIENT_BALANCE");
    e.onFill(fill("o1", "4"));
    expect(buys(e)).toBe("10");
    // The fill moved the cash as the finished order stopped holding it: the same 518,852.85 is free.
    expect(rule(e.check(limit("b", { quantity: "8" })))).toBe("INSUFFICIENT_BALANCE");
    expect(e.check(limit("b", { quantity: "7" })).approved).toBe(true);
  });

  it("a replaces naming an order that ended and holds only fills not booked leaves nothing out", () => {
    const e = engine(balance("KRW", "800000"));
    e.onOrder(limit("o1", { status: "CANCELED", filledQuantity: "4" })); // its fill not booked yet
    const replacement = limit("o1r", { status: "NEW" });
    // 800,000 - 280,042 (the unbooked fill) = 519,958 free: a buy of 700,105 does not fit.
    expect(rule(e.check(replacement, "o1"))).toBe("INSUFFICIENT_BALANCE");
    e.accept(replacement, "o1");
    expect(buys(e)).toBe("14");
    e.onFill(fill("o1", "4"));
    expect(buys(e)).toBe("10");
  });
});

describe("risk: a cancel-replace in the one coin pool", () => {
  const btcSell = (id: string, quantity: string, overrides: Partial<Order> = {}) =>
    limit(id, { symbol: "BTC-KRW", side: "SELL", price: "150000000", quantity, ...overrides });
  const ethBtcBuy = (id: string, quantity: string) =>
    limit(id, { symbol: "ETH-BTC", price: "0.05", quantity, status: "NEW" });

  it("the replaced sell leaves the BTC pool once, and an ETH-BTC buy sees what the replacement holds", () => {
    const e = engine(balance("KRW", "0"), balance("BTC", "1"));
    e.onOrder(btcSell("s1", "0.6"));
    e.accept(ethBtcBuy("x1", "8")); // 0.4 BTC
    const replacement = btcSell("s1r", "0.6", { price: "151000000", status: "NEW" });
    expect(rule(e.check(replacement))).toBe("INSUFFICIENT_BALANCE"); // 0.6 + 0.4 + 0.6 of 1
    expect(rule(e.check(replacement, "s1"))).toBe("APPROVED");
    e.accept(replacement, "s1");
    expect(sells(e, "BTC-KRW")).toBe("0.6");
    expect(rule(e.check(ethBtcBuy("x2", "1")))).toBe("INSUFFICIENT_BALANCE"); // the pool is spoken for
    e.onOrder(btcSell("s1", "0.6", { status: "CANCELED", updatedAt: "3" }));
    expect(sells(e, "BTC-KRW")).toBe("0.6"); // not released a second time
    expect(rule(e.check(ethBtcBuy("x2", "1")))).toBe("INSUFFICIENT_BALANCE");
    e.onOrder({ ...replacement, status: "REJECTED", updatedAt: "4" });
    expect(sells(e, "BTC-KRW")).toBe("0"); // s1 ended before: nothing comes back
    expect(e.check(ethBtcBuy("x2", "12")).approved).toBe(true); // 0.6 free
    expect(rule(e.check(ethBtcBuy("x2", "13")))).toBe("INSUFFICIENT_BALANCE");
  });
});
