import { describe, expect, it } from "bun:test";
import { fx } from "@jts/contracts";
import { PnlBook } from "./pnl.ts";

const f = fx.toFixed;
const trade = (side: "BUY" | "SELL", quantity: string, price: string, fee = "0", feeCurrency = "KRW") => ({
  symbol: "BTC-KRW",
  side,
  quantity: f(quantity),
  price: f(price),
  fee: f(fee),
  feeCurrency,
});

describe("strategy P&L book", () => {
  it("averages the cost of buys, realizes on sells and marks the rest to the last price", () => {
    const book = new PnlBook();
    book.onFill(trade("BUY", "1", "100", "1"));
    book.onFill(trade("BUY", "1", "110", "1"));
    book.onFill(trade("SELL", "1.5", "120", "1"));
    book.mark(f("90"));
    expect(book.view()).toMatchObject({
      position: "0.5",
      averagePrice: "105",
      realizedPnl: "22.5",
      unrealizedPnl: "-7.5",
      fees: "3",
      netPnl: "12",
      lastPrice: "90",
      fills: 3,
    });
    expect([book.closingFills, book.winningFills]).toEqual([1, 1]);
  });

  it("handles shorts and a fill that flips the side", () => {
    const book = new PnlBook();
    book.onFill(trade("SELL", "2", "100"));
    book.onFill(trade("BUY", "3", "90"));
    expect(book.view()).toMatchObject({ position: "1", averagePrice: "90", realizedPnl: "20" });
  });

  it("round-trips through a snapshot", () => {
    const book = new PnlBook();
    book.onFill(trade("BUY", "0.001", "140000000", "70"));
    const copy = new PnlBook();
    copy.restore(JSON.parse(JSON.stringify(book.snapshot())));
    expect(copy.view()).toEqual(book.view());
  });

  it("counts a fee in the base at the fill price, keeps one in BNB apart, and through a snapshot", () => {
    const book = new PnlBook();
    book.onFill({ ...trade("BUY", "0.4", "2000", "0.0004", "ETH"), symbol: "ETH-USDT" });
    book.onFill({ ...trade("SELL", "0.4", "2100", "0.01", "BNB"), symbol: "ETH-USDT" });
    book.onFill({ ...trade("BUY", "0.1", "2000", "0.2", "USDT"), symbol: "ETH-USDT" });
    // The base fee leaves 0.3996 ETH (fee 0.8 USDT); the sell closes it and opens 0.0004 short, the last buy closes that.
    expect(book.view()).toMatchObject({
      position: "0.0996",
      realizedPnl: "40",
      fees: "1",
      otherFees: { BNB: "0.01" },
    });
    const copy = new PnlBook();
    copy.restore(JSON.parse(JSON.stringify(book.snapshot())));
    expect(copy.view()).toEqual(book.view());
  });
});
