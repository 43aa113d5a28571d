import { describe, expect, it } from "bun:test";
import type { Order, Position } from "@jts/contracts";
import { orderFixture } from "@jts/kit/testing";
import { protectiveStops } from "./protective.ts";

const position = (quantity: string, overrides: Partial<Position> = {}): Position => ({
  account: "a",
  symbol: "BTC-KRW",
  venue: "sim",
  quantity,
  averagePrice: "100",
  realizedPnl: "0",
  unrealizedPnl: "0",
  lastPrice: null,
  currency: "KRW",
  updatedAt: "1",
  ...overrides,
});

let n = 0;
const stop = (side: Order["side"], quantity: string, stopPrice: string, overrides: Partial<Order> = {}): Order =>
  orderFixture({
    id: `o${++n}`,
    account: "a",
    symbol: "BTC-KRW",
    side,
    type: "STOP_MARKET",
    quantity,
    stopPrice,
    status: "ACCEPTED",
    createdAt: String(n),
    ...overrides,
  });

describe("protective stops", () => {
  it("keeps a SELL stop under a long and a BUY stop over a short, never an entry", () => {
    const sellUnderLong = stop("SELL", "1", "90");
    const buyOverLong = stop("BUY", "1", "110");
    const buyOverShort = stop("BUY", "2", "110", { symbol: "ETH-KRW" });
    const limitExit = stop("SELL", "1", "95", { type: "LIMIT", stopPrice: null, price: "95" });
    const kept = protectiveStops(
      [sellUnderLong, buyOverLong, buyOverShort, limitExit],
      [position("1"), position("-2", { symbol: "ETH-KRW" })],
    );
    expect([...kept].sort()).toEqual([sellUnderLong.id, buyOverShort.id].sort());
  });

  it("keeps no stop where there is no position, or only in another account", () => {
    const mine = stop("SELL", "1", "90");
    expect(protectiveStops([mine], [])).toEqual(new Set());
    expect(protectiveStops([mine], [position("1", { account: "b" })])).toEqual(new Set());
  });

  it("keeps stops nearest the market first while their unfilled total still fits the position", () => {
    const far = stop("SELL", "0.5", "80");
    const near = stop("SELL", "0.6", "95");
    const mid = stop("SELL", "0.4", "90");
    // 0.6 (95) + 0.4 (90) = 1 covers the long 1; the 0.5 at 80 would flip it short.
    expect([...protectiveStops([far, near, mid], [position("1")])].sort()).toEqual([near.id, mid.id].sort());
    // A partly filled stop (a triggered STOP_LIMIT) counts only what it has left.
    const partly = stop("SELL", "2", "95", { type: "STOP_LIMIT", price: "94", filledQuantity: "1.5" });
    expect(protectiveStops([partly], [position("0.5")])).toEqual(new Set([partly.id]));
    // A stop larger than the position is never reduce-only.
    expect(protectiveStops([stop("SELL", "1.5", "95")], [position("1")])).toEqual(new Set());
  });
});
