import { describe, expect, it } from "bun:test";
import type { Quote, Tick } from "@jts/contracts";
import { PriceBoard } from "./prices.ts";

const tick: Tick = {
  symbol: "ETH-KRW",
  venue: "sim",
  price: "5000000",
  quantity: "1",
  aggressor: "BUY",
  tradeId: "1",
  tsEvent: "10",
};
const quote: Quote = {
  symbol: "ETH-KRW",
  venue: "sim",
  bid: "4999000",
  ask: "5001000",
  bidSize: "1",
  askSize: "1",
  tsEvent: "9",
};

describe("price board", () => {
  it("joins the last trade and the best bid and ask whichever arrives first", () => {
    const board = new PriceBoard();
    board.onQuote(quote);
    expect(board.get("ETH-KRW")).toBeUndefined();
    board.onTick(tick);
    expect(board.all()).toEqual([
      { symbol: "ETH-KRW", venue: "sim", price: "5000000", bid: "4999000", ask: "5001000", ts: "10" },
    ]);
  });
});
