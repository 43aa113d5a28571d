import { describe, expect, it } from "bun:test";
import type { Fill } from "@jts/contracts";
import { InstrumentCatalog } from "@jts/kit";
import { fillFixture, orderFixture } from "@jts/kit/testing";
import { RiskEngine } from "./engine.ts";
import { cashAccount } from "./testing.ts";

/** Issue 13 item 4 (review finding 4): risk books a fee in the base through the contracts' rule, as the venue credits it. */
const WEDNESDAY_10_KST = Date.UTC(2026, 10, 25, 1, 0);

const buyWithBaseFee: Fill = fillFixture({
  symbol: "BTC-KRW",
  price: "150000000",
  quantity: "1",
  fee: "0.001",
  feeCurrency: "BTC",
});

describe("risk: a fee charged in the base", () => {
  it("holds what the venue credited (quantity - fee), so a cash account cannot sell the fee's coin", () => {
    const e = new RiskEngine(
      new InstrumentCatalog(),
      { maxOrderNotional: "10000000000", maxPositionNotional: "10000000000" },
      { now: () => WEDNESDAY_10_KST },
    );
    e.onPrice("BTC-KRW", "150000000");
    e.seedAccounts([cashAccount("acc", "300000000")]);
    e.onFill(buyWithBaseFee);
    const sell = (id: string, quantity: string) =>
      e.check(orderFixture({ id, clientOrderId: id, symbol: "BTC-KRW", side: "SELL", quantity }));
    expect(sell("s1", "1").approved).toBe(false);
    expect(sell("s2", "0.999").approved).toBe(true);
  });
});
