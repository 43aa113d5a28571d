/**
 * Review 13a findings 2, 5, 10 and 11: the OMS's order updates and its fills
 * come on two topics in either order, late updates, partial fills, coins held
 * as a balance or a position, and a protective stop while REDUCING.
 */
import { describe, expect, it } from "bun:test";
import type { Account, Balance, Fill, Order, Position } from "@jts/contracts";
import { InstrumentCatalog, SIM_INSTRUMENTS } from "@jts/kit";
import { fillFixture, orderFixture } from "@jts/kit/testing";
import { RiskEngine } from "./engine.ts";
import { marginAccount } from "./testing.ts";

const NOW = Date.UTC(2026, 10, 25, 1, 0);
let seq = 0;
const fill = (o: Partial<Fill>): Fill => fillFixture({ id: `f-${++seq}`, ...o });
const krw = (total: string): Balance => ({ account: "acc", currency: "KRW", total, free: total, locked: "0" });
const coin = (currency: string, total: string): Balance => ({
  account: "acc",
  currency,
  total,
  free: total,
  locked: "0",
});
const cash = (...balances: Balance[]): Account => marginAccount("acc", { kind: "CASH", balances });
const limit = (id: string, o: Partial<Order> = {}) =>
  orderFixture({ id, clientOrderId: id, type: "LIMIT", timeInForce: "GTC", price: "70000", quantity: "10", ...o });

const ETH_BTC = {
  ...(SIM_INSTRUMENTS[1] as (typeof SIM_INSTRUMENTS)[number]),
  symbol: "ETH-BTC",
  quote: "BTC",
  tickSize: "0.00001",
  minNotional: "0.0001",
  makerFee: "0",
  takerFee: "0",
};

function engine(now = () => NOW) {
  const e = new RiskEngine(
    new InstrumentCatalog([...SIM_INSTRUMENTS, ETH_BTC]),
    { maxOrderNotional: "10000000000", maxPositionNotional: "10000000000" },
    { now },
  );
  e.onPrice("005930", "70000");
  e.onPrice("BTC-KRW", "150000000");
  e.onPrice("ETH-BTC", "0.05");
  return e;
}

describe("order.updated and order.fill in either order (review 13a finding 2)", () => {
  it("REDUCING: a FILLED update ahead of its fill does not free the sell's share (a second SELL 10 would flip the long)", () => {
    const e = engine();
    e.onFill(fill({ side: "BUY", quantity: "10" }));
    e.setState("REDUCING", "drawdown", "test");
    const s1 = limit("s1", { side: "SELL", type: "MARKET", timeInForce: "IOC", price: null });
    expect(e.check(s1).approved).toBe(true);
    e.accept(s1);
    e.onOrder({ ...s1, status: "FILLED", filledQuantity: "10", updatedAt: "5" });
    const s2 = limit("s2", { side: "SELL", type: "MARKET", timeInForce: "IOC", price: null });
    expect(e.check(s2)).toMatchObject({ approved: false, rule: "REDUCING_ONLY" });
    e.onFill(fill({ orderId: "s1", side: "SELL", quantity: "10" }));
    expect(e.position("acc", "005930")).toBe(0n);
    expect(e.check(s2)).toMatchObject({ approved: false, rule: "REDUCING_ONLY" }); // flat: nothing to reduce
  });

  it("REDUCING: once the fill is booked the finished order holds nothing (no share counted twice)", () => {
    const e = engine();
    e.onFill(fill({ side: "BUY", quantity: "20" }));
    e.setState("REDUCING", "drawdown", "test");
    const s1 = limit("s1", { side: "SELL" });
    e.accept(s1);
    e.onOrder({ ...s1, status: "FILLED", filledQuantity: "10", updatedAt: "5" });
    e.onFill(fill({ orderId: "s1", side: "SELL", quantity: "10" }));
    expect(e.check(limit("s2", { side: "SELL", quantity: "10" })).approved).toBe(true); // 10 left to reduce
    expect(e.check(limit("s3", { side: "SELL", quantity: "11" })).approved).toBe(false);
  });

  it("cash: a FILLED update ahead of its fill keeps the buy's cash held until the fill moves the cash", () => {
    const e = engine();
    e.seedAccounts([cash(krw("800000"))]);
    const b1 = limit("b1");
    expect(e.check(b1).approved).toBe(true);
    e.accept(b1);
    e.onOrder({ ...b1, status: "FILLED", filledQuantity: "10", updatedAt: "5" });
    expect(e.check(limit("b2"))).toMatchObject({ approved: false, rule: "INSUFFICIENT_BALANCE" });
    e.onFill(fill({ orderId: "b1", quantity: "10" })); // 700,000 paid: 100,000 left
    expect(e.check(limit("b2"))).toMatchObject({ approved: false, rule: "INSUFFICIENT_BALANCE" });
    expect(e.check(limit("b3", { quantity: "1" })).approved).toBe(true); // 70,000 + fee fits what is free
  });

  it("partial fills: the order holds its quantity less the fills booked, whichever topic comes first", () => {
    const e = engine();
    e.seedAccounts([cash(krw("1500000"))]);
    const b1 = limit("b1");
    e.accept(b1);
    e.onOrder({ ...b1, status: "ACCEPTED", updatedAt: "2" });
    // The OMS says 4 filled before the fill reaches risk: 10 still held (4 unbooked + 6 open).
    e.onOrder({ ...b1, status: "PARTIALLY_FILLED", filledQuantity: "4", updatedAt: "3" });
    // 1,500,000 less 700,105 held (with the fee) leaves 799,895: 12 x 70,000 does not fit (it would with 6 held).
    expect(e.check(limit("b2", { quantity: "12" })).rule).toBe("INSUFFICIENT_BALANCE");
    e.onFill(fill({ orderId: "b1", quantity: "4" }));
    expect(e.position("acc", "005930")).toBe(4_000_000_000n);
    // Now 1,220,000 cash, 6 x 70,000 held: 799,937 free (it would be 519,895 if the 4 counted twice).
    expect(e.check(limit("b2", { quantity: "12" })).rule).toBe("INSUFFICIENT_BALANCE");
    expect(e.check(limit("b2", { quantity: "11" })).approved).toBe(true);
    // The next fill comes before its update; then the rest is canceled: nothing stays held.
    e.onFill(fill({ orderId: "b1", quantity: "2" }));
    e.onOrder({ ...b1, status: "PARTIALLY_FILLED", filledQuantity: "6", updatedAt: "4" });
    e.onOrder({ ...b1, status: "CANCELED", filledQuantity: "6", updatedAt: "5" });
    expect(e.check(limit("b2", { quantity: "15" })).approved).toBe(true); // 1,080,000 cash, all free
  });

  it("a finished order whose fill never comes stops holding after a minute", () => {
    let now = NOW;
    const e = engine(() => now);
    e.seedAccounts([cash(krw("800000"))]);
    const b1 = limit("b1");
    e.accept(b1);
    e.onOrder({ ...b1, status: "FILLED", filledQuantity: "10", updatedAt: "5" });
    expect(e.check(limit("b2")).rule).toBe("INSUFFICIENT_BALANCE");
    now += 60_001;
    expect(e.check(limit("b2")).approved).toBe(true);
  });
});

describe("late order updates (review 13a finding 11)", () => {
  it("a working update older than the terminal one does not revive a canceled order", () => {
    const e = engine();
    e.seedAccounts([cash(krw("800000"))]);
    const b1 = limit("b1");
    e.onOrder({ ...b1, status: "CANCELED", updatedAt: "3" });
    e.onOrder({ ...b1, status: "ACCEPTED", updatedAt: "2" });
    e.onOrder({ ...b1, status: "ACCEPTED", updatedAt: "3" }); // same time as the cancel: not newer
    expect(e.check(limit("b2")).approved).toBe(true);
  });

  it("an older update of a working order changes nothing; a newer one after a terminal one (an OMS correction) counts", () => {
    const e = engine();
    e.seedAccounts([cash(krw("800000"))]);
    const b1 = limit("b1");
    e.onOrder({ ...b1, status: "ACCEPTED", updatedAt: "3" });
    e.onOrder({ ...b1, status: "NEW", quantity: "1", updatedAt: "2" }); // older, with a smaller size
    expect(e.check(limit("b2", { quantity: "2" })).rule).toBe("INSUFFICIENT_BALANCE");
    e.onOrder({ ...b1, status: "REJECTED", updatedAt: "4" });
    expect(e.check(limit("b2", { quantity: "2" })).approved).toBe(true);
    e.onOrder({ ...b1, status: "ACCEPTED", updatedAt: "5" }); // the venue had it after all
    expect(e.check(limit("b2", { quantity: "2" })).rule).toBe("INSUFFICIENT_BALANCE");
  });
});

describe("a coin is one number, balance and holdings (review 13a finding 5)", () => {
  const btcPosition = (quantity: string): Position => ({
    account: "acc",
    symbol: "BTC-KRW",
    venue: "sim",
    quantity,
    averagePrice: "150000000",
    realizedPnl: "0",
    unrealizedPnl: "0",
    lastPrice: "150000000",
    currency: "KRW",
    updatedAt: "1",
  });
  const ethBtcBuy = (id: string, quantity: string) =>
    orderFixture({
      id,
      clientOrderId: id,
      symbol: "ETH-BTC",
      type: "LIMIT",
      timeInForce: "GTC",
      price: "0.05",
      quantity,
    });
  const btcSell = (id: string, quantity: string) =>
    orderFixture({ id, clientOrderId: id, symbol: "BTC-KRW", side: "SELL", quantity });

  it("selling BTC bought here takes it from the BTC an ETH-BTC buy can spend", () => {
    const e = engine();
    e.seedPosition(btcPosition("1"));
    e.seedAccounts([cash(krw("0"))]);
    expect(e.check(ethBtcBuy("x0", "20")).approved).toBe(true); // 1 BTC
    e.onFill(fill({ symbol: "BTC-KRW", side: "SELL", price: "150000000", quantity: "1" }));
    expect(e.check(ethBtcBuy("x1", "20"))).toMatchObject({ approved: false, rule: "INSUFFICIENT_BALANCE" });
  });

  it("deposited coins (a balance, no position) can be sold, and a sell and a cross-pair buy draw on the same coins", () => {
    const e = engine();
    e.seedAccounts([cash(krw("0"), coin("BTC", "1"))]);
    expect(e.check(btcSell("s0", "1")).approved).toBe(true);
    expect(e.check(btcSell("s0", "1.5"))).toMatchObject({ approved: false, rule: "INSUFFICIENT_BALANCE" });
    const s1 = btcSell("s1", "0.5");
    e.accept(s1);
    expect(e.check(ethBtcBuy("x1", "12"))).toMatchObject({ approved: false, rule: "INSUFFICIENT_BALANCE" }); // 0.6 of 0.5
    expect(e.check(ethBtcBuy("x1", "10")).approved).toBe(true); // 0.5
    e.accept(ethBtcBuy("x1", "10"));
    expect(e.check(btcSell("s2", "0.0001"))).toMatchObject({ approved: false, rule: "INSUFFICIENT_BALANCE" });
    // The sell fills: KRW comes in, BTC goes out; the buy's 0.5 BTC is still spoken for.
    e.onFill(fill({ orderId: "s1", symbol: "BTC-KRW", side: "SELL", price: "150000000", quantity: "0.5" }));
    e.onOrder({ ...s1, status: "FILLED", filledQuantity: "0.5", updatedAt: "9" });
    expect(e.check(btcSell("s2", "0.0001"))).toMatchObject({ approved: false, rule: "INSUFFICIENT_BALANCE" });
    expect(e.check(orderFixture({ id: "k", clientOrderId: "k", quantity: "1" })).approved).toBe(true); // KRW 75M
  });

  it("a fee charged in the coin bought leaves less of it to sell", () => {
    const e = engine();
    e.seedAccounts([cash(krw("300000000"))]);
    e.onFill(fill({ symbol: "BTC-KRW", price: "150000000", quantity: "1", fee: "0.001", feeCurrency: "BTC" }));
    expect(e.check(btcSell("s", "1"))).toMatchObject({ approved: false, rule: "INSUFFICIENT_BALANCE" });
    expect(e.check(btcSell("s", "1")).reason).toContain("0.999 BTC free");
    expect(e.check(btcSell("s", "0.999")).approved).toBe(true);
  });

  it("a stock's holding is its position, as before", () => {
    const e = engine();
    e.seedAccounts([cash(krw("0"))]);
    e.onFill(fill({ quantity: "10" }));
    expect(e.check(limit("s", { side: "SELL", quantity: "10" })).approved).toBe(true);
    expect(e.check(limit("s", { side: "SELL", quantity: "11" })).rule).toBe("INSUFFICIENT_BALANCE");
  });
});

describe("a protective stop while REDUCING (review 13a finding 10)", () => {
  it("keeps counting a working stop: a MARKET exit of the same size is refused, naming the working orders, until the stop is canceled", () => {
    const e = engine();
    e.onFill(fill({ quantity: "10" }));
    const stop = limit("st", { side: "SELL", type: "STOP_MARKET", price: null, stopPrice: "65000" });
    expect(e.check(stop).approved).toBe(true);
    e.accept(stop);
    e.onOrder({ ...stop, status: "ACCEPTED", updatedAt: "2" });
    e.setState("REDUCING", "drawdown", "risk");
    const exit = limit("x", { side: "SELL", type: "MARKET", timeInForce: "IOC", price: null });
    const d = e.check(exit);
    expect(d).toMatchObject({ approved: false, rule: "REDUCING_ONLY" });
    expect(d.reason).toContain("protective stops included");
    expect(d.reason).toContain("cancel or amend them first");
    e.onOrder({ ...stop, status: "CANCELED", updatedAt: "3" });
    expect(e.check(exit).approved).toBe(true);
  });
});
