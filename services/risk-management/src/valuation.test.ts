import { describe, expect, it } from "bun:test";
import type { Fill, Order, RiskLimits } from "@jts/contracts";
import { InstrumentCatalog } from "@jts/kit";
import { fillFixture, orderFixture } from "@jts/kit/testing";
import { RiskEngine, type RiskEngineOptions } from "./engine.ts";

/**
 * Issue 13, review 13b finding 1: a marketable stop or limit order was valued
 * at its own price (STOP_MARKET BUY stop 1: 1 KRW a share), so it passed every
 * notional limit. Limits here: 1,000,000 per order, 2,000,000 per position;
 * the market trades at 70,000.
 */
const WEDNESDAY_10_KST = Date.UTC(2026, 10, 25, 1, 0);
const LIMITS = { maxOrderNotional: "1000000", maxPositionNotional: "2000000" };

function engine(options: RiskEngineOptions = {}, limits: Partial<RiskLimits> = {}, market: string | null = "70000") {
  const e = new RiskEngine(
    new InstrumentCatalog(),
    { ...LIMITS, ...limits },
    { now: () => WEDNESDAY_10_KST, ...options },
  );
  if (market) e.onPrice("005930", market);
  return e;
}
const order = (overrides: Partial<Order>): Order => orderFixture({ timeInForce: "GTC", ...overrides });
const fill = (side: "BUY" | "SELL", quantity: string): Fill =>
  fillFixture({ id: `f-${side}-${quantity}`, side, quantity });
const rule = (d: { approved: boolean; rule: string | null }) => (d.approved ? "APPROVED" : d.rule);

describe("risk: orders valued at the worst of their price and the market (review 13b, finding 1)", () => {
  it("refuses the reviewer's orders: STOP_MARKET BUY stop 1, SELL LIMIT @ 1, STOP_LIMIT BUY stop 1", () => {
    const e = engine();
    expect(rule(e.check(order({ type: "STOP_MARKET", stopPrice: "1", quantity: "10000" })))).toBe("PRICE_COLLAR");
    expect(rule(e.check(order({ side: "SELL", type: "LIMIT", price: "1", quantity: "10000" })))).toBe("PRICE_COLLAR");
    const stopLimit = e.check(order({ type: "STOP_LIMIT", stopPrice: "1", price: "70000", quantity: "10000" }));
    expect(rule(stopLimit)).toBe("PRICE_COLLAR");
    expect(stopLimit.reason).toContain("stop price 1 is 99.99% from the last trade 70000");
  });

  it("without the collar, values them at the market: the notional and position limits hold", () => {
    const e = engine({ priceCollarPct: 0 });
    const stopBuy = e.check(order({ type: "STOP_MARKET", stopPrice: "1", quantity: "10000" }));
    expect(rule(stopBuy)).toBe("MAX_ORDER_NOTIONAL");
    expect(stopBuy.reason).toContain("703500000"); // 10,000 x 70,000 x 1.005 (it buys at the market, plus the band)
    const sellLow = e.check(order({ side: "SELL", type: "LIMIT", price: "1", quantity: "10000" }));
    expect(rule(sellLow)).toBe("MAX_ORDER_NOTIONAL");
    expect(sellLow.reason).toContain("700000000");
    // 20 @ 50,000 is 1,000,000 at its own price, but it sells 20 x 70,000 at the market.
    expect(rule(e.check(order({ side: "SELL", type: "LIMIT", price: "50000", quantity: "20" })))).toBe(
      "MAX_ORDER_NOTIONAL",
    );
    // A short of 20 plus a SELL LIMIT 10 @ 56,000: 1,680,000 at the order's price, 2,100,000 at the market.
    e.onFill(fill("SELL", "20"));
    const short = e.check(order({ side: "SELL", type: "LIMIT", price: "56000", quantity: "10" }));
    expect(rule(short)).toBe("MAX_POSITION");
    expect(short.reason).toContain("2100000");
  });

  it("values a sell at the best ask when it is above the last trade (a short is bought back at the ask)", () => {
    const e = engine({}, { maxOrderNotional: "1400000" });
    const sell = order({ side: "SELL", type: "LIMIT", price: "60000", quantity: "20" });
    expect(e.check(sell).approved).toBe(true); // 20 x 70,000
    e.onQuote("005930", "71000");
    expect(rule(e.check(sell))).toBe("MAX_ORDER_NOTIONAL"); // 20 x 71,000
  });

  it("refuses a LIMIT or STOP price more than 30% from the last trade by default, either side", () => {
    const e = engine();
    expect(e.check(order({ type: "LIMIT", price: "91000" })).approved).toBe(true); // +30%
    expect(rule(e.check(order({ type: "LIMIT", price: "91100" })))).toBe("PRICE_COLLAR");
    expect(e.check(order({ type: "LIMIT", price: "49000", quantity: "1" })).approved).toBe(true); // -30%
    expect(rule(e.check(order({ type: "LIMIT", price: "48950", quantity: "1" })))).toBe("PRICE_COLLAR");
    e.onFill(fill("BUY", "10"));
    const stopLoss = e.check(order({ side: "SELL", type: "STOP_MARKET", stopPrice: "45000" }));
    expect(rule(stopLoss)).toBe("PRICE_COLLAR");
    expect(stopLoss.reason).toContain("more than 30% away is refused");
  });

  it("takes the collar from the options (RISK_PRICE_COLLAR_PCT), 0 turning it off", () => {
    expect(rule(engine({ priceCollarPct: 10 }).check(order({ type: "LIMIT", price: "77100", quantity: "1" })))).toBe(
      "PRICE_COLLAR",
    );
    expect(engine({ priceCollarPct: 10 }).check(order({ type: "LIMIT", price: "77000", quantity: "1" })).approved).toBe(
      true,
    );
    expect(engine({ priceCollarPct: 0 }).check(order({ type: "LIMIT", price: "200000", quantity: "1" })).approved).toBe(
      true,
    );
    expect(() => engine({ priceCollarPct: -1 })).toThrow("priceCollarPct");
  });

  it("with no market price: a buy at its own price, a sell reducing a long; no short sale, no stop-market buy", () => {
    const e = engine({}, {}, null);
    expect(e.check(order({ type: "LIMIT", price: "70000" })).approved).toBe(true); // pays at most 700,000
    expect(rule(e.check(order({ type: "LIMIT", price: "110000" })))).toBe("MAX_ORDER_NOTIONAL");
    expect(rule(e.check(order({ type: "MARKET", timeInForce: "IOC" })))).toBe("NO_PRICE");
    expect(rule(e.check(order({ type: "STOP_MARKET", stopPrice: "1" })))).toBe("NO_PRICE");
    const short = e.check(order({ side: "SELL", type: "LIMIT", price: "1" }));
    expect(rule(short)).toBe("NO_PRICE");
    expect(short.reason).toContain("opens or extends a short");
    e.onFill(fill("BUY", "10"));
    expect(e.check(order({ side: "SELL", type: "LIMIT", price: "70000" })).approved).toBe(true);
    expect(e.check(order({ side: "SELL", type: "STOP_MARKET", stopPrice: "60000" })).approved).toBe(true);
    expect(rule(e.check(order({ side: "SELL", type: "LIMIT", price: "70000", quantity: "11" })))).toBe("NO_PRICE");
  });

  it("keeps the venue's minimum order value at the order's own price", () => {
    const e = engine();
    e.onPrice("BTC-KRW", "150000000");
    // Upbit's minimum is 5,000 KRW at the order's price: 0.00003 @ 100,000,000 is 3,000 though the market is higher.
    const d = e.check(order({ symbol: "BTC-KRW", type: "LIMIT", price: "110000000", quantity: "0.00003" }));
    expect(rule(d)).toBe("MIN_NOTIONAL");
  });
});
