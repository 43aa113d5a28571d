import { describe, expect, it } from "bun:test";
import type { Fill } from "@jts/contracts";
import { fillFixture } from "@jts/kit/testing";
import { appliedPosition, memoryPortfolio } from "./testing/memory-portfolio.ts";

let n = 0;
const fill = (side: "BUY" | "SELL", quantity: string, price: string, fee = "0"): Fill =>
  fillFixture({ id: `f${++n}`, orderId: "o", clientOrderId: "c", side, price, quantity, fee });

const ledger = () =>
  memoryPortfolio([{ id: "acc", owner: "alice", venue: "sim", baseCurrency: "KRW", startingCash: "10000000" }]);

describe("ledger arithmetic, booked by the Portfolio on in-memory books", () => {
  it("averages the entry price over buys and moves cash with fees", async () => {
    const l = await ledger();
    await appliedPosition(l, fill("BUY", "10", "70000", "105"));
    const p = await appliedPosition(l, fill("BUY", "30", "71000", "319.5"));
    expect(p).toMatchObject({ quantity: "40", averagePrice: "70750", realizedPnl: "-424.5" });
    expect((await l.listAccounts())[0]?.balances[0]).toMatchObject({ currency: "KRW", total: "7169575.5" });
  });

  it("realizes profit on a partial close and keeps the average of what is left", async () => {
    const l = await ledger();
    await appliedPosition(l, fill("BUY", "10", "70000"));
    const p = await appliedPosition(l, fill("SELL", "4", "72000"));
    expect(p).toMatchObject({ quantity: "6", averagePrice: "70000", realizedPnl: "8000" });
  });

  it("opens the other side at the fill price when a sell flips a long", async () => {
    const l = await ledger();
    await appliedPosition(l, fill("BUY", "10", "70000"));
    const p = await appliedPosition(l, fill("SELL", "15", "69000"));
    expect(p).toMatchObject({ quantity: "-5", averagePrice: "69000", realizedPnl: "-10000" });
  });

  it("marks unrealized P&L to the last price, short positions included", async () => {
    const l = await ledger();
    await appliedPosition(l, fill("SELL", "5", "70000"));
    const [marked] = l.markPrice("005930", "69000", "2");
    expect(marked).toMatchObject({ quantity: "-5", unrealizedPnl: "5000", lastPrice: "69000" });
  });

  it("counts a redelivered fill once", async () => {
    const l = await ledger();
    const once = fill("BUY", "1", "70000");
    expect((await l.applyFill(once)).status).toBe("applied");
    expect((await l.applyFill(once)).status).toBe("duplicate");
    expect((await l.listPositions())[0]?.quantity).toBe("1");
  });

  it("books a fee in the base as the venue does: the coin credited less the fee, its value off realized P&L", async () => {
    const l = await memoryPortfolio([
      { id: "acc", owner: "a", venue: "binance", baseCurrency: "USDT", startingCash: "100000" },
    ]);
    const btc = (side: "BUY" | "SELL", quantity: string, fee: string, feeCurrency: string): Fill => ({
      ...fill(side, quantity, "90000", fee),
      symbol: "BTC-USDT",
      venue: "binance",
      feeCurrency,
    });
    // Binance credits 0.999 BTC for a buy of 1 with a 0.001 BTC fee.
    expect(await appliedPosition(l, btc("BUY", "1", "0.001", "BTC"))).toMatchObject({
      quantity: "0.999",
      averagePrice: "90000",
      realizedPnl: "-90",
    });
    // Selling all the wallet holds leaves the account flat and 90 USDT poorer, with no BTC balance.
    expect(await appliedPosition(l, btc("SELL", "0.999", "0", "USDT"))).toMatchObject({
      quantity: "0",
      realizedPnl: "-90",
    });
    expect((await l.listAccounts())[0]?.balances.map((b) => [b.currency, b.total])).toEqual([["USDT", "99910"]]);
  });
});
