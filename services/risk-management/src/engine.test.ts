import { describe, expect, it } from "bun:test";
import type { Fill, Order, RiskLimits } from "@jts/contracts";
import { ALWAYS_OPEN as ALWAYS, InstrumentCatalog, krxSchedule } from "@jts/kit";
import { fillFixture, orderFixture } from "@jts/kit/testing";
import { RiskEngine } from "./engine.ts";

const order = (overrides: Partial<Order> = {}): Order => orderFixture(overrides);

let fillSeq = 0;
const fill = (side: "BUY" | "SELL", quantity: string, price = "70000", overrides: Partial<Fill> = {}): Fill =>
  fillFixture({ id: `f-${++fillSeq}`, side, price, quantity, ...overrides });

/** Wednesday 2026-11-25 10:00 KST, in continuous trading. */
const WEDNESDAY_10_KST = Date.UTC(2026, 10, 25, 1, 0);
const kst = (day: number, h: number, m: number) => Date.UTC(2026, 10, day, h - 9, m);

const DEFAULT_LIMITS = { maxOrderNotional: "1000000", maxPositionNotional: "2000000" };

function engine(limits: Partial<RiskLimits> = {}, now = () => WEDNESDAY_10_KST) {
  const e = new RiskEngine(
    new InstrumentCatalog(),
    { maxOrderNotional: "1000000", maxPositionNotional: "2000000", ...limits },
    { now },
  );
  e.onPrice("005930", "70000");
  e.onPrice("BTC-KRW", "150000000");
  return e;
}

const expectRefused = (decision: { approved: boolean; rule: string | null; reason: string | null }, rule: string) => {
  expect(decision).toMatchObject({ approved: false, rule });
  expect(decision.reason).toBeString();
  expect((decision.reason as string).length).toBeGreaterThan(10);
};

describe("risk engine: order and instrument checks", () => {
  it("approves an order inside every limit", () => {
    expect(engine().check(order())).toMatchObject({ approved: true, rule: null, reason: null });
  });

  it("refuses a price off the instrument's tick band (KRX: 100 KRW from 50,000 to 200,000)", () => {
    const d = engine().check(order({ type: "LIMIT", timeInForce: "GTC", price: "70050" }));
    expectRefused(d, "PRICE_PRECISION");
    expect(d.reason).toContain("100");
    expect(engine().check(order({ type: "LIMIT", timeInForce: "GTC", price: "70100" })).approved).toBe(true);
  });

  it("uses the band of the order's own price: 49,950 is on the 50 KRW tick below 50,000", () => {
    expect(engine().check(order({ type: "LIMIT", timeInForce: "GTC", price: "49950" })).approved).toBe(true);
    expectRefused(engine().check(order({ type: "LIMIT", timeInForce: "GTC", price: "50050" })), "PRICE_PRECISION");
  });

  it("checks a stop price against the tick too", () => {
    const d = engine().check(order({ type: "STOP_MARKET", stopPrice: "70001" }));
    expectRefused(d, "PRICE_PRECISION");
    expect(d.reason).toContain("stop price");
  });

  it("refuses a quantity off the lot size", () => {
    expectRefused(engine().check(order({ quantity: "1.5" })), "QUANTITY_PRECISION");
  });

  it("refuses a quantity below the instrument minimum and above its maximum", () => {
    const catalog = new InstrumentCatalog([
      {
        symbol: "005930",
        venue: "sim",
        kind: "STOCK",
        base: "005930",
        quote: "KRW",
        tickSize: "100",
        lotSize: "1",
        minQuantity: "5",
        maxQuantity: "12",
        minNotional: "1",
        makerFee: "0",
        takerFee: "0",
      },
    ]);
    const e = new RiskEngine(catalog, { maxOrderNotional: "100000000", maxPositionNotional: "100000000" });
    e.onPrice("005930", "70000");
    expectRefused(e.check(order({ quantity: "4" })), "MIN_QUANTITY");
    expectRefused(e.check(order({ quantity: "13" })), "MAX_QUANTITY");
    expect(e.check(order({ quantity: "12" })).approved).toBe(true);
  });

  it("refuses an order worth less than the instrument's minimum notional (Upbit: 5,000 KRW)", () => {
    const d = engine().check(order({ symbol: "BTC-KRW", quantity: "0.00001" })); // 1,500 KRW
    expectRefused(d, "MIN_NOTIONAL");
    expect(d.reason).toContain("5000");
  });

  it("refuses a zero quantity, a zero price, and a LIMIT order without a price", () => {
    expectRefused(engine().check(order({ quantity: "0" })), "QUANTITY");
    expectRefused(engine().check(order({ type: "LIMIT", timeInForce: "GTC", price: "0" })), "PRICE");
    expectRefused(engine().check(order({ type: "LIMIT", timeInForce: "GTC", price: null })), "PRICE");
  });

  it("refuses when no price is known and for an unknown instrument", () => {
    const e = new RiskEngine(new InstrumentCatalog(), { maxOrderNotional: "1", maxPositionNotional: "1" });
    expectRefused(e.check(order()), "NO_PRICE");
    expectRefused(e.check(order({ symbol: "XRP-KRW" })), "UNKNOWN_INSTRUMENT");
  });
});

describe("risk engine: limits", () => {
  it("refuses an order above the max notional, a MARKET buy valued at the last price plus the slippage band", () => {
    expect(engine().check(order({ quantity: "14" })).approved).toBe(true); // 14 x 70,350 = 984,900
    const decision = engine().check(order({ quantity: "15" }));
    expectRefused(decision, "MAX_ORDER_NOTIONAL");
    expect(decision.reason).toContain("1055250"); // 15 x 70,000 x 1.005
  });

  it("values a LIMIT order at the higher of its price and the market (issue 13 review, finding 1)", () => {
    const limit = (price: string, quantity: string) => order({ type: "LIMIT", timeInForce: "GTC", price, quantity });
    // Below the market: worth the market (16 x 70,000 = 1,120,000), not its price (960,000).
    expectRefused(engine().check(limit("60000", "16")), "MAX_ORDER_NOTIONAL");
    expect(engine().check(limit("60000", "14")).approved).toBe(true);
    // Above the market: its own price, the most it pays (11 x 90,000 = 990,000; no band over a cap).
    expect(engine().check(limit("90000", "11")).approved).toBe(true);
    expectRefused(engine().check(limit("90000", "12")), "MAX_ORDER_NOTIONAL");
  });

  it("refuses an order that would take the position above its limit, and lets the reducing side through", () => {
    const e = engine();
    e.onFill(fill("BUY", "15"));
    expectRefused(e.check(order({ quantity: "14" })), "MAX_POSITION");
    expect(e.check(order({ side: "SELL", quantity: "14" })).approved).toBe(true);
  });

  it("refuses an order that takes the account's gross exposure over its limit", () => {
    const e = engine({ maxGrossExposure: "1500000", maxOrderNotional: "100000000", maxPositionNotional: "100000000" });
    e.onFill(fill("BUY", "0.005", "150000000", { symbol: "BTC-KRW" })); // 750,000 KRW of BTC
    expect(e.check(order({ quantity: "10" })).approved).toBe(true); // 703,500 more (with the band): 1,453,500
    const d = e.check(order({ quantity: "11" })); // 773,850 more: 1,523,850
    expectRefused(d, "MAX_GROSS_EXPOSURE");
    expect(d.reason).toContain("1523850");
  });

  it("applies limits changed at run time to the very next order: platform, account, instrument", () => {
    const e = engine();
    expect(e.check(order({ quantity: "10" })).approved).toBe(true);
    e.limits.set({}, { maxOrderNotional: "600000" });
    expectRefused(e.check(order({ quantity: "10" })), "MAX_ORDER_NOTIONAL");
    e.limits.set({ account: "acc" }, { maxOrderNotional: "800000" });
    expect(e.check(order({ quantity: "10" })).approved).toBe(true);
    expectRefused(e.check(order({ quantity: "10", account: "other" })), "MAX_ORDER_NOTIONAL");
    e.limits.set({ symbol: "005930" }, { maxOrderNotional: "100000" });
    expectRefused(e.check(order({ quantity: "10" })), "MAX_ORDER_NOTIONAL");
    e.limits.set({ account: "acc", symbol: "005930" }, { maxOrderNotional: "900000" });
    expect(e.check(order({ quantity: "10" })).approved).toBe(true);
    e.limits.set({ account: "acc", symbol: "005930" }, {}, true);
    expectRefused(e.check(order({ quantity: "10" })), "MAX_ORDER_NOTIONAL");
  });

  it("tells live arming whether an account has limits of its own", () => {
    const e = engine();
    expect(e.limits.view("acc")).toMatchObject({ account: "acc", limits: null });
    e.limits.set({ account: "acc" }, { maxOrderNotional: "5" });
    expect(e.limits.view("acc")).toMatchObject({
      limits: { maxOrderNotional: "5" },
      effective: { maxOrderNotional: "5", maxPositionNotional: "2000000" },
    });
    expect(e.limits.view(null).limits).toMatchObject({ maxOrderNotional: "1000000" });
  });
});

describe("risk engine: cash, self-trade and duplicates", () => {
  const cashAccount = (total: string) => ({
    id: "acc",
    owner: "t",
    venue: "sim" as const,
    kind: "CASH" as const,
    baseCurrency: "KRW",
    mode: "PAPER" as const,
    balances: [{ account: "acc", currency: "KRW", total, free: total, locked: "0" }],
  });

  it("refuses a buy a cash account cannot pay for, counting fees and what open buys hold", () => {
    const e = engine();
    e.seedAccount(cashAccount("800000"));
    expect(e.check(order({ quantity: "10" })).approved).toBe(true); // 700,000 + 105 fee
    e.onOrder(order({ id: "rest", type: "LIMIT", price: "60000", quantity: "2", status: "ACCEPTED" }));
    const d = e.check(order({ quantity: "10" })); // 120,000 held by the open buy, and its 18 fee
    expectRefused(d, "INSUFFICIENT_BALANCE");
    expect(d.reason).toContain("679982");
  });

  it("counts an order whose outcome is unknown as working: it holds cash until the OMS knows", () => {
    const e = engine();
    e.seedAccount(cashAccount("800000"));
    e.onOrder(order({ id: "maybe", type: "LIMIT", price: "60000", quantity: "2", status: "OUTCOME_UNKNOWN" }));
    expectRefused(e.check(order({ quantity: "10" })), "INSUFFICIENT_BALANCE");
    e.onOrder(order({ id: "maybe", type: "LIMIT", price: "60000", quantity: "2", status: "REJECTED" }));
    expect(e.check(order({ quantity: "10" })).approved).toBe(true);
  });

  it("refuses a cash account's sell of more than it holds", () => {
    const e = engine();
    e.seedAccount(cashAccount("10000000"));
    e.onFill(fill("BUY", "5"));
    expect(e.check(order({ side: "SELL", quantity: "5" })).approved).toBe(true);
    expectRefused(e.check(order({ side: "SELL", quantity: "6" })), "INSUFFICIENT_BALANCE");
  });

  it("refuses an order that would trade against the account's own resting order", () => {
    const e = engine();
    e.onOrder(
      order({ id: "ask", side: "SELL", type: "LIMIT", timeInForce: "GTC", price: "70500", status: "ACCEPTED" }),
    );
    const limit = (price: string) => order({ type: "LIMIT", timeInForce: "GTC", price });
    expectRefused(e.check(limit("70500")), "SELF_TRADE");
    expect(e.check(limit("70400")).approved).toBe(true);
    expectRefused(e.check(order()), "SELF_TRADE"); // MARKET crosses anything
    e.onOrder(order({ id: "ask", side: "SELL", type: "LIMIT", price: "70500", status: "CANCELED" }));
    expect(e.check(limit("70500")).approved).toBe(true);
    // Another strategy's MARKET sell still in flight never rests on the book: nothing can cross it.
    e.onOrder(order({ id: "in-flight", side: "SELL", type: "MARKET", status: "ACCEPTED" }));
    expect(e.check(order()).approved).toBe(true);
    expect(e.check(limit("80000")).approved).toBe(true);
  });

  it("refuses a second order with a clientOrderId already used, but not a re-check of the same order", () => {
    const e = engine();
    const first = order({ id: "o1", clientOrderId: "same" });
    e.accept(first);
    expect(e.check(first).approved).toBe(true);
    expectRefused(e.check(order({ id: "o2", clientOrderId: "same", quantity: "3" })), "DUPLICATE_CLIENT_ORDER_ID");
  });

  it("refuses an identical order inside the duplicate window and takes it after", () => {
    let now = WEDNESDAY_10_KST;
    const e = engine({ duplicateWindowMs: 1000 }, () => now);
    e.accept(order({ id: "o1", clientOrderId: "c1" }));
    now += 999;
    const d = e.check(order({ id: "o2", clientOrderId: "c2" }));
    expectRefused(d, "DUPLICATE_ORDER");
    expect(e.check(order({ id: "o3", clientOrderId: "c3", quantity: "11" })).approved).toBe(true);
    now += 1;
    expect(e.check(order({ id: "o2", clientOrderId: "c2" })).approved).toBe(true);
  });
});

describe("risk engine: trading states", () => {
  it("refuses every new order when HALTED and says why", () => {
    const e = engine();
    e.setState("HALTED", "kill switch", "tester");
    const decision = e.check(order());
    expectRefused(decision, "TRADING_HALTED");
    expect(decision.reason).toContain("kill switch");
  });

  it("passes only position-reducing orders when REDUCING", () => {
    const e = engine();
    e.onFill(fill("BUY", "10"));
    e.setState("REDUCING", "drawdown", "tester");
    expectRefused(e.check(order({ side: "BUY", quantity: "1" })), "REDUCING_ONLY");
    expectRefused(e.check(order({ side: "SELL", quantity: "11" })), "REDUCING_ONLY"); // would flip short
    expect(e.check(order({ side: "SELL", quantity: "10" })).approved).toBe(true);
    expect(e.check(order({ side: "SELL", quantity: "3" })).approved).toBe(true);
    expectRefused(e.check(order({ side: "SELL", quantity: "0.001", symbol: "BTC-KRW" })), "REDUCING_ONLY"); // opens a short
  });

  it("keeps an account's state apart from the platform's, and applies the stricter one", () => {
    const e = engine();
    const change = e.setState("HALTED", "desk stop", "tester", { account: "acc", cancelOpenOrders: true });
    expect(change).toMatchObject({ account: "acc", state: "HALTED", previous: "ACTIVE", cancelOpenOrders: true });
    expectRefused(e.check(order()), "TRADING_HALTED");
    expect(e.check(order({ account: "other" })).approved).toBe(true);
    e.setState("REDUCING", "platform", "tester");
    expectRefused(e.check(order({ account: "other" })), "REDUCING_ONLY");
    expectRefused(e.check(order()), "TRADING_HALTED"); // the account's HALTED is stricter
    e.setState("ACTIVE", "ok", "tester", { account: "acc" });
    expectRefused(e.check(order()), "REDUCING_ONLY");
    const status = e.status();
    expect(status.state).toBe("REDUCING");
    expect(status.accounts?.find((a) => a.account === "acc")?.state).toBe("ACTIVE");
  });

  it("reports a state change once and not when the state is unchanged", () => {
    const e = engine();
    expect(e.setState("HALTED", "x", "y")).toMatchObject({ state: "HALTED", previous: "ACTIVE", account: null });
    expect(e.setState("HALTED", "x", "y")).toBeNull();
  });

  it("halts an account by itself when the daily loss limit is reached, asking to cancel its open orders", () => {
    const e = engine({ dailyLossLimit: "50000" });
    expect(e.onFill(fill("BUY", "10"))).toEqual([]); // 700,000 at 70,000
    expect(e.onPrice("005930", "66000")).toEqual([]); // -40,000
    const changes = e.onPrice("005930", "64900"); // -51,000
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      account: "acc",
      state: "HALTED",
      previous: "ACTIVE",
      cancelOpenOrders: true,
      changedBy: "risk-management",
    });
    expect(changes[0]?.reason).toContain("daily loss 51000");
    expectRefused(e.check(order({ side: "SELL", quantity: "1" })), "TRADING_HALTED");
    expect(e.check(order({ account: "other" })).approved).toBe(true);
    expect(e.onPrice("005930", "64000")).toEqual([]); // once per breach
  });

  it("counts fees and realized losses towards the daily loss, and starts again the next KST day", () => {
    let now = kst(25, 10, 0);
    const e = engine({ dailyLossLimit: "50000" }, () => now);
    e.onFill(fill("BUY", "10", "70000", { fee: "1000" }));
    const halted = e.onFill(fill("SELL", "10", "65200", { fee: "1000" })); // -48,000 realized, -2,000 fees
    expect(halted).toHaveLength(1);
    expect(halted[0]?.reason).toContain("daily loss 50000");
    expect(e.accountStatus("acc")).toMatchObject({ state: "HALTED", dailyPnl: "-50000" });

    now = kst(26, 9, 0); // the next trading day: yesterday's loss is not today's
    e.setState("ACTIVE", "new day", "admin", { account: "acc" });
    expect(e.onPrice("005930", "65200")).toEqual([]);
    expect(e.onFill(fill("BUY", "1", "65200"))).toEqual([]);
    expect(e.accountStatus("acc").dailyPnl).toBe("0");
    expect(e.onPrice("005930", "16000")).toEqual([]); // -49,200 today
    expect(e.onPrice("005930", "15000")).toMatchObject([{ account: "acc", state: "HALTED" }]);
  });

  it("switches an account to REDUCING by itself when its drawdown from the P&L peak reaches the limit", () => {
    const e = engine({ maxDrawdown: "30000" });
    e.onFill(fill("BUY", "10"));
    expect(e.onPrice("005930", "75000")).toEqual([]); // peak +50,000
    expect(e.onPrice("005930", "72100")).toEqual([]); // 29,000 below the peak
    const changes = e.onPrice("005930", "72000");
    expect(changes).toMatchObject([{ account: "acc", state: "REDUCING", cancelOpenOrders: false }]);
    expect(changes[0]?.reason).toContain("drawdown 30000");
    expectRefused(e.check(order({ quantity: "1" })), "REDUCING_ONLY");
    expect(e.check(order({ side: "SELL", quantity: "1" })).approved).toBe(true);
    expect(e.accountStatus("acc")).toMatchObject({ drawdown: "30000", grossExposure: "720000" });
  });
});

describe("risk engine: currencies", () => {
  const usdt = {
    symbol: "BTC-USDT",
    venue: "paper" as const,
    kind: "CRYPTO" as const,
    base: "BTC",
    quote: "USDT",
    tickSize: "0.01",
    lotSize: "0.00001",
    minQuantity: "0.00001",
    maxQuantity: "1000",
    minNotional: "5",
    makerFee: "0.001",
    takerFee: "0.001",
  };
  const account = (baseCurrency: string) => ({
    id: "acc",
    owner: "t",
    venue: "sim" as const,
    kind: "MARGIN" as const,
    baseCurrency,
    mode: "PAPER" as const,
    balances: [],
  });
  const mixed = (limits: Partial<RiskLimits>, baseCurrency: string | null = "KRW") => {
    const e = new RiskEngine(
      new InstrumentCatalog([...new InstrumentCatalog().all, usdt]),
      { maxOrderNotional: "100000000", maxPositionNotional: "100000000", ...limits },
      { now: () => WEDNESDAY_10_KST },
    );
    e.onPrice("005930", "70000");
    e.onPrice("BTC-USDT", "90000");
    if (baseCurrency) e.seedAccount(account(baseCurrency));
    return e;
  };
  const btcUsdt = (side: "BUY" | "SELL", quantity: string, price: string) =>
    fill(side, quantity, price, { symbol: "BTC-USDT", venue: "paper", feeCurrency: "USDT" });

  it("never lets a USDT gain hide a KRW loss: the KRW daily loss limit sees KRW P&L only", () => {
    const e = mixed({ dailyLossLimit: "30000" });
    e.onFill(btcUsdt("BUY", "1", "90000"));
    expect(e.onPrice("BTC-USDT", "140000")).toEqual([]); // +50,000 USDT
    e.onFill(fill("BUY", "10", "70000"));
    const changes = e.onPrice("005930", "66900"); // -31,000 KRW
    expect(changes).toMatchObject([{ account: "acc", state: "HALTED" }]);
    expect(changes[0]?.reason).toContain("daily loss 31000 KRW");
    const status = e.accountStatus("acc");
    expect(status).toMatchObject({ currency: "KRW", dailyPnl: "-31000", grossExposure: "669000" });
    expect(status.currencies).toEqual([
      { currency: "KRW", dailyPnl: "-31000", drawdown: "31000", grossExposure: "669000" },
      { currency: "USDT", dailyPnl: "50000", drawdown: "0", grossExposure: "140000" },
    ]);
  });

  it("does not count a USDT loss against a KRW limit, nor USDT positions towards the KRW gross exposure", () => {
    const e = mixed({ dailyLossLimit: "30000", maxDrawdown: "30000", maxGrossExposure: "1000000" });
    e.onFill(btcUsdt("BUY", "4", "90000"));
    expect(e.onPrice("BTC-USDT", "80000")).toEqual([]); // -40,000 USDT: not 40,000 KRW
    expect(e.accountStatus("acc").state).toBe("ACTIVE");
    expect(e.check(order({ quantity: "14" })).approved).toBe(true); // 980,000 KRW; the 320,000 USDT held do not add
    expectRefused(e.check(order({ quantity: "15" })), "MAX_GROSS_EXPOSURE"); // 1,050,000 KRW
  });

  it("holds each currency to the limits on its own until the portfolio names the account's base currency", () => {
    const e = mixed({ dailyLossLimit: "30000" }, null);
    e.onFill(btcUsdt("BUY", "1", "90000"));
    e.onPrice("BTC-USDT", "140000"); // +50,000 USDT, never netted with KRW
    e.onFill(fill("BUY", "10", "70000"));
    expect(e.onPrice("005930", "66900")).toMatchObject([{ account: "acc", state: "HALTED" }]);
  });
});

describe("risk engine: sessions", () => {
  const krx = krxSchedule(["2026-12-25"]);
  const at = (ms: number) => {
    const e = new RiskEngine(
      new InstrumentCatalog(),
      { maxOrderNotional: "100000000", maxPositionNotional: "100000000" },
      { now: () => ms, sessions: (i) => (i.kind === "STOCK" ? krx : ALWAYS) },
    );
    e.onPrice("005930", "70000");
    e.onPrice("BTC-KRW", "150000000");
    return e;
  };
  const limitDay = order({ type: "LIMIT", timeInForce: "DAY", price: "70000" });

  it("takes KRX stock orders in continuous trading", () => {
    expect(at(kst(25, 9, 0)).check(order()).approved).toBe(true);
    expect(at(kst(25, 15, 19)).check(order()).approved).toBe(true);
  });

  it("refuses a KRX stock order before 08:30 and from 15:30 KST, saying when orders are taken", () => {
    for (const ms of [kst(25, 8, 29), kst(25, 15, 30), kst(25, 20, 0)]) {
      const d = at(ms).check(limitDay);
      expectRefused(d, "SESSION_CLOSED");
      expect(d.reason).toContain("08:30-15:30");
    }
  });

  it("takes DAY limit orders in the opening and closing auctions but refuses IOC and FOK there", () => {
    for (const ms of [kst(25, 8, 30), kst(25, 8, 59), kst(25, 15, 20), kst(25, 15, 29)]) {
      expect(at(ms).check(limitDay).approved).toBe(true);
      const d = at(ms).check(order({ timeInForce: "IOC" }));
      expectRefused(d, "AUCTION_TIME_IN_FORCE");
      expect(d.reason).toMatch(/auction/);
    }
  });

  it("refuses KRX orders on weekends and on the calendar's holidays, and crypto trades through them", () => {
    const saturday = at(kst(28, 10, 0)).check(limitDay);
    expectRefused(saturday, "SESSION_CLOSED");
    expect(saturday.reason).toContain("Saturday");
    const christmas = at(Date.UTC(2026, 11, 25, 1, 0)).check(limitDay);
    expectRefused(christmas, "SESSION_CLOSED");
    expect(christmas.reason).toContain("holiday on 2026-12-25");
    expect(at(kst(28, 10, 0)).check(order({ symbol: "BTC-KRW", quantity: "0.001" })).approved).toBe(true);
  });
});

describe("risk engine: working orders count (issue 13.3)", () => {
  const limit = (id: string, overrides: Partial<Order> = {}) =>
    order({ id, clientOrderId: id, type: "LIMIT", timeInForce: "GTC", price: "70000", quantity: "14", ...overrides });
  const cashAccount = (total: string, kind: "CASH" | "MARGIN" = "CASH") => ({
    id: "acc",
    owner: "t",
    venue: "sim" as const,
    kind,
    baseCurrency: "KRW",
    mode: "PAPER" as const,
    balances: [{ account: "acc", currency: "KRW", total, free: total, locked: "0" }],
  });

  it("holds the position limit to filled plus working buys: the third resting 980,000 buy fails a 2,000,000 limit", () => {
    const e = engine(); // 1,000,000 per order, 2,000,000 per position
    e.onOrder(limit("r1", { status: "ACCEPTED" }));
    e.onOrder(limit("r2", { status: "PARTIALLY_FILLED", price: "60000", quantity: "10", filledQuantity: "4" }));
    e.onFill(fill("BUY", "4", "60000", { orderId: "r2" })); // 4 held, 6 left of r2
    const d = e.check(limit("r3"));
    expectRefused(d, "MAX_POSITION");
    expect(d.reason).toContain("2660000"); // (4 held + 14 + 6 + 14) x 70,000
    expect(d.reason).toContain("working orders");
    e.onOrder(limit("r1", { status: "CANCELED" }));
    expect(e.check(limit("r3")).approved).toBe(true); // 24 x 70,000
    // A re-check of a working order counts it once: 4 held + the 6 left of r2 + 14 of r3 (just approved, not
    // reported yet), valued at the market (24 x 70,000; r2's own 60,000 is below it).
    e.accept(limit("r3"));
    expect(e.check(limit("r2", { price: "60000", quantity: "10", filledQuantity: "4" })).approved).toBe(true);
  });

  it("counts an order approved a moment ago before the OMS reports it (a burst), and any status that is not terminal", () => {
    const e = engine();
    for (const id of ["b1", "b2"]) {
      expect(e.check(limit(id)).approved).toBe(true);
      e.accept(limit(id));
    }
    expectRefused(e.check(limit("b3")), "MAX_POSITION");
    // A status the OMS may add for "sent, outcome unknown": not FILLED/CANCELED/REJECTED/EXPIRED, so it still holds.
    e.onOrder(limit("b1", { status: "OUTCOME_UNKNOWN" as Order["status"] }));
    expectRefused(e.check(limit("b3")), "MAX_POSITION");
    e.onOrder(limit("b1", { status: "REJECTED" }));
    expect(e.check(limit("b3")).approved).toBe(true);
    e.accept(limit("b1")); // a late re-check of a finished order does not bring it back
    expect(e.check(limit("b3")).approved).toBe(true);
  });

  it("lets an approval the OMS never reports hold its share for a minute only", () => {
    let now = WEDNESDAY_10_KST;
    const e = engine({}, () => now);
    e.accept(limit("ghost-1"));
    e.accept(limit("ghost-2"));
    expectRefused(e.check(limit("b3")), "MAX_POSITION");
    now += 60_000;
    expect(e.check(limit("b3")).approved).toBe(true);
  });

  it("holds shorts the same way: working sells count toward the short side", () => {
    const e = engine();
    e.onOrder(limit("s1", { side: "SELL", status: "ACCEPTED" }));
    e.onOrder(limit("s2", { side: "SELL", status: "ACCEPTED" }));
    expectRefused(e.check(limit("s3", { side: "SELL" })), "MAX_POSITION");
    expect(e.check(limit("b1", { price: "69000" })).approved).toBe(true); // a buy is on the other side
  });

  it("counts working orders in other symbols toward the gross exposure, each at its worst side", () => {
    const e = engine({ maxGrossExposure: "1500000", maxOrderNotional: "100000000", maxPositionNotional: "100000000" });
    e.onOrder(
      order({ id: "btc", symbol: "BTC-KRW", type: "LIMIT", price: "150000000", quantity: "0.005", status: "ACCEPTED" }),
    );
    expect(e.check(order({ quantity: "10" })).approved).toBe(true); // 750,000 working + 700,000
    expectRefused(e.check(order({ quantity: "11" })), "MAX_GROSS_EXPOSURE"); // 750,000 working + 770,000
  });

  it("reserves cash for MARKET buys: two MARKET buys of 700,105 on 800,000 cash, the second is refused", () => {
    const e = engine();
    e.seedAccount(cashAccount("800000"));
    const first = order({ id: "m1", clientOrderId: "m1" });
    expect(e.check(first).approved).toBe(true); // 703,500 at 70,000 + 50 bps, + 105.53 fee
    e.accept(first);
    const d = e.check(order({ id: "m2", clientOrderId: "m2" }));
    expectRefused(d, "INSUFFICIENT_BALANCE");
    expect(d.reason).toContain("96394.475 is free"); // 800,000 - 703,500 - 105.525
    // The OMS's own update for it (NEW, then ACCEPTED) keeps holding; its fill moves it into the position.
    e.onOrder({ ...first, status: "ACCEPTED" });
    expectRefused(e.check(order({ id: "m2", clientOrderId: "m2" })), "INSUFFICIENT_BALANCE");
  });

  it("reserves a MARKET buy at the last price plus the slippage band, or the best ask when it is higher", () => {
    const tight = engine();
    tight.seedAccount(cashAccount("703000"));
    // 700,105 with fees at the last price would fit; 703,605.5 with the 50 bps band does not.
    expectRefused(tight.check(order()), "INSUFFICIENT_BALANCE");
    const noBand = new RiskEngine(
      new InstrumentCatalog(),
      { maxOrderNotional: "1000000", maxPositionNotional: "2000000" },
      { now: () => WEDNESDAY_10_KST, marketSlippageBps: 0 },
    );
    noBand.onPrice("005930", "70000");
    noBand.seedAccount(cashAccount("703000"));
    expect(noBand.check(order()).approved).toBe(true);
    noBand.onQuote("005930", "70300"); // the venue asks more than the last trade
    const d = noBand.check(order());
    expectRefused(d, "INSUFFICIENT_BALANCE");
    expect(d.reason).toContain("needs 703105.45 KRW"); // 10 x 70,300 + fee
    expect(() => new RiskEngine(new InstrumentCatalog(), DEFAULT_LIMITS, { marketSlippageBps: -1 })).toThrow();
  });

  it("while REDUCING passes a reducing order only while the filled position still covers the working ones", () => {
    const e = engine();
    e.onFill(fill("BUY", "10"));
    e.setState("REDUCING", "drawdown", "tester");
    const sell = (id: string, quantity: string) => order({ id, clientOrderId: id, side: "SELL", quantity });
    expect(e.check(sell("s1", "10")).approved).toBe(true);
    e.accept(sell("s1", "10"));
    const d = e.check(sell("s2", "10")); // would flip the long 10 short
    expectRefused(d, "REDUCING_ONLY");
    expect(d.reason).toContain("already covered by working orders of 10");
    e.onOrder({ ...sell("s1", "10"), status: "CANCELED" });
    expect(e.check(sell("s2", "6")).approved).toBe(true);
    e.accept(sell("s2", "6"));
    expect(e.check(sell("s3", "4")).approved).toBe(true);
    expectRefused(e.check(sell("s3", "5")), "REDUCING_ONLY");
  });

  it("refuses orders while balances are unknown and for accounts the portfolio does not list, saying why", () => {
    const e = new RiskEngine(
      new InstrumentCatalog(),
      { maxOrderNotional: "1000000", maxPositionNotional: "2000000" },
      { now: () => WEDNESDAY_10_KST, requireBalances: true },
    );
    e.onPrice("005930", "70000");
    const before = e.check(order());
    expectRefused(before, "BALANCE_UNKNOWN");
    expect(before.reason).toContain("the portfolio has not answered");
    e.setBalancesUnknown("the portfolio does not answer: timeout");
    expect(e.check(order()).reason).toContain("timeout");
    e.seedAccounts([cashAccount("800000", "MARGIN")]);
    expect(e.balancesPending).toBeNull();
    expect(e.check(order()).approved).toBe(true);
    const stranger = e.check(order({ account: "stranger" }));
    expectRefused(stranger, "BALANCE_UNKNOWN");
    expect(stranger.reason).toContain("does not list account stranger");
  });
});

describe("risk engine: day baselines (issue 13.5)", () => {
  const account = (venue: "kis" | "binance" | "sim") => ({
    id: "acc",
    owner: "t",
    venue,
    kind: "MARGIN" as const,
    baseCurrency: "KRW",
    mode: "PAPER" as const,
    balances: [],
  });
  const position = (realizedPnl: string, quantity = "10") => ({
    account: "acc",
    symbol: "005930",
    venue: "sim" as const,
    quantity,
    averagePrice: "70000",
    realizedPnl,
    unrealizedPnl: "0",
    lastPrice: "70000",
    currency: "KRW",
    updatedAt: "1",
  });
  const seeded = (
    venue: "kis" | "binance" | "sim",
    realized: string,
    limits: Partial<RiskLimits>,
    now: () => number,
  ) => {
    const e = new RiskEngine(
      new InstrumentCatalog(),
      { maxOrderNotional: "100000000", maxPositionNotional: "100000000", ...limits },
      { now, requireBalances: true },
    );
    e.seedPosition(position(realized));
    return { e, changes: e.seedAccounts([account(venue)]) };
  };

  it("does not count a seeded lifetime loss as today's, nor let a lifetime gain hide today's loss", () => {
    const loss = seeded("sim", "-900000", { dailyLossLimit: "50000" }, () => WEDNESDAY_10_KST);
    expect(loss.changes).toEqual([]);
    expect(loss.e.onPrice("005930", "70000")).toEqual([]);
    expect(loss.e.accountStatus("acc")).toMatchObject({ state: "ACTIVE", dailyPnl: "0", dailyRealizedPnl: "0" });
    const gain = seeded("sim", "2000000", { dailyLossLimit: "50000" }, () => WEDNESDAY_10_KST);
    expect(gain.e.onPrice("005930", "66000")).toEqual([]); // -40,000 today
    expect(gain.e.onPrice("005930", "64900")).toMatchObject([{ account: "acc", state: "HALTED" }]); // -51,000
  });

  it("starts the drawdown from the P&L it finds, not from zero: an old loss does not switch the account", () => {
    const { e, changes } = seeded("sim", "-900000", { maxDrawdown: "30000" }, () => WEDNESDAY_10_KST);
    expect(changes).toEqual([]);
    expect(e.onPrice("005930", "71000")).toEqual([]);
    expect(e.accountStatus("acc")).toMatchObject({ state: "ACTIVE", drawdown: "0" });
  });

  it("rolls the day over at midnight KST for a KRX account and at midnight UTC for a crypto account", () => {
    for (const [venue, lastBefore, firstAfter] of [
      ["kis", kst(25, 23, 59), kst(26, 0, 0)],
      ["binance", Date.UTC(2026, 10, 25, 23, 59), Date.UTC(2026, 10, 26, 0, 0)],
    ] as const) {
      let now: number = lastBefore;
      const { e } = seeded(venue, "0", { dailyLossLimit: "50000" }, () => now);
      e.onPrice("005930", "66000"); // -40,000 on the 25th
      expect(e.accountStatus("acc")).toMatchObject({ dailyPnl: "-40000", tradingDay: "2026-11-25" });
      now = firstAfter;
      expect(e.onPrice("005930", "62000")).toEqual([]); // -40,000 more, on the 26th only
      expect(e.accountStatus("acc")).toMatchObject({ dailyPnl: "-40000", tradingDay: "2026-11-26" });
    }
    // 00:00 UTC is 09:00 KST: a KRX account is well into its day there, and does not roll over.
    let now = kst(26, 8, 59);
    const { e } = seeded("kis", "0", { dailyLossLimit: "50000" }, () => now);
    e.onPrice("005930", "66000");
    now = kst(26, 9, 0);
    expect(e.onPrice("005930", "64900")).toMatchObject([{ state: "HALTED" }]);
  });

  it("restores a stored baseline and peak, so a restart mid-day changes nothing", () => {
    let now = WEDNESDAY_10_KST;
    const first = seeded("sim", "500000", { dailyLossLimit: "50000", maxDrawdown: "60000" }, () => now);
    first.e.onPrice("005930", "75000"); // +50,000 today: the peak
    first.e.onPrice("005930", "67000"); // -30,000 today, 80,000 below the peak
    const stored = JSON.parse(JSON.stringify(first.e.baselineSnapshot()));
    expect(stored.accounts[0]).toMatchObject({ account: "acc", day: "2026-11-25" });

    const restart = () => {
      const e = new RiskEngine(
        new InstrumentCatalog(),
        { maxOrderNotional: "100000000", maxPositionNotional: "100000000", dailyLossLimit: "50000" },
        { now: () => now, requireBalances: true },
      );
      e.restoreBaselines(stored);
      // The portfolio's view at the restart: the same position, the same lifetime realized.
      e.seedPosition({ ...position("500000"), lastPrice: "67000" });
      e.seedAccounts([account("sim")]);
      return e;
    };
    const second = restart();
    expect(second.accountStatus("acc")).toMatchObject({ dailyPnl: "-30000", drawdown: "80000" });
    expect(second.onPrice("005930", "64900")).toMatchObject([{ account: "acc", state: "HALTED" }]); // -51,000 today

    now = kst(26, 10, 0); // the next day: yesterday's loss is not today's
    const third = restart();
    expect(third.onPrice("005930", "67000")).toEqual([]);
    expect(third.accountStatus("acc")).toMatchObject({ dailyPnl: "0", tradingDay: "2026-11-26" });
  });
});
