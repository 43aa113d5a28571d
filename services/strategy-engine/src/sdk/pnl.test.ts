import { describe, expect, it } from "bun:test";
import { fx } from "@jts/contracts";
import { PnlBook } from "./pnl.ts";

const f = fx.toFixed;

describe("strategy P&L book", () => {
  it("averages the cost of buys, realizes on sells and marks the rest to the last price", () => {
    const book = new PnlBook();
    book.onFill("BUY", f("1"), f("100"), f("1"));
    book.onFill("BUY", f("1"), f("110"), f("1"));
    book.onFill("SELL", f("1.5"), f("120"), f("1"));
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
    book.onFill("SELL", f("2"), f("100"), 0n);
    book.onFill("BUY", f("3"), f("90"), 0n);
    expect(book.view()).toMatchObject({ position: "1", averagePrice: "90", realizedPnl: "20" });
  });

  it("round-trips through a snapshot", () => {
    const book = new PnlBook();
    book.onFill("BUY", f("0.001"), f("140000000"), f("70"));
    const copy = new PnlBook();
    copy.restore(JSON.parse(JSON.stringify(book.snapshot())));
    expect(copy.view()).toEqual(book.view());
  });
});
