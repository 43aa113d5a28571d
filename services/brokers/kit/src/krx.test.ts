import { describe, expect, it } from "bun:test";
import { orderFixture } from "@jts/kit/testing";
import { krxCashOrderProblem } from "./krx.ts";

const broker = { name: "KIS", account: "kis-1" };
const order = (changes: Parameters<typeof orderFixture>[0] = {}) =>
  orderFixture({
    account: "kis-1",
    venue: "kis",
    symbol: "005930",
    type: "LIMIT",
    price: "71000",
    quantity: "3",
    ...changes,
  });

describe("krxCashOrderProblem (KIS and Creon ask it before sending)", () => {
  it("passes a whole-share, whole-won order of the broker's own account", () => {
    expect(krxCashOrderProblem(order(), broker)).toBeNull();
    expect(krxCashOrderProblem(order({ type: "MARKET", price: null }), broker)).toBeNull();
  });

  it("names what a KRX cash order cannot be", () => {
    expect(krxCashOrderProblem(order({ account: "other" }), broker)).toBe("KIS broker trades account kis-1, not other");
    expect(krxCashOrderProblem(order({ type: "STOP_LIMIT", stopPrice: "70000" }), broker)).toBe(
      "STOP_LIMIT is not offered by KIS cash orders",
    );
    expect(krxCashOrderProblem(order({ price: null }), broker)).toBe("a LIMIT order needs a price");
    expect(krxCashOrderProblem(order({ quantity: "1.5" }), broker)).toBe("KRX stocks trade in whole shares");
    expect(krxCashOrderProblem(order({ price: "71000.5" }), broker)).toBe("KRX prices are whole won");
  });
});
