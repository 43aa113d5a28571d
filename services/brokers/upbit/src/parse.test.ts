import { describe, expect, it } from "bun:test";
import { Position, Quote, Tick } from "@jts/contracts";
import { compile } from "@jts/kit";
import { executionReportFixture, reportFillFixture } from "@jts/kit/testing";
import { MY_ORDER_TRADE_FRAME, ORDERBOOK_FRAME, TICKER_FRAME, TRADE_FRAME } from "./fixtures/frames.ts";
import {
  parseBalances,
  parseCandle,
  parseMarkets,
  parseMyOrder,
  parseOrder,
  parseOrderbook,
  parsePositions,
  parseTicker,
  parseTrade,
  type UpbitMyOrder,
  type UpbitOrderbook,
  type UpbitTicker,
  type UpbitTrade,
} from "./parse.ts";
import { parseRemainingReq } from "./rest.ts";
import { fromUpbitMarket, toUpbitMarket } from "./symbols.ts";

describe("Upbit parsing (documented frames)", () => {
  it("converts QUOTE-BASE market codes to JTS BASE-QUOTE and back", () => {
    expect(fromUpbitMarket("KRW-BTC")).toBe("BTC-KRW");
    expect(toUpbitMarket("BTC-KRW")).toBe("KRW-BTC");
  });

  it("parses the documented trade frame into a Tick", () => {
    const tick = parseTrade(TRADE_FRAME as unknown as UpbitTrade);
    expect(tick).toEqual({
      symbol: "BTC-KRW",
      venue: "upbit",
      price: "31287000",
      quantity: "0.03841222",
      aggressor: "BUY",
      tradeId: "1676965262139000",
      tsEvent: "1676965262139000000",
    });
    expect(compile(Tick).check(tick)).toBe(true);
    expect(parseTrade({ ...(TRADE_FRAME as unknown as UpbitTrade), ask_bid: "ASK" }).aggressor).toBe("SELL");
  });

  it("parses the documented orderbook frame's top level into a Quote", () => {
    const quote = parseOrderbook(ORDERBOOK_FRAME as unknown as UpbitOrderbook);
    expect(quote).toEqual({
      symbol: "BTC-KRW",
      venue: "upbit",
      bid: "32287000",
      bidSize: "0.28463128",
      ask: "32290000",
      askSize: "0.11683022",
      tsEvent: "1676965262177000000",
    });
    expect(compile(Quote).check(quote)).toBe(true);
    expect(parseOrderbook({ ...(ORDERBOOK_FRAME as unknown as UpbitOrderbook), orderbook_units: [] })).toBeNull();
  });

  it("parses the documented ticker frame", () => {
    expect(parseTicker(TICKER_FRAME as unknown as UpbitTicker)).toEqual({
      symbol: "BTC-KRW",
      lastPrice: "32287000",
      changeRate: "0.01267133",
      volume24h: "2039.0622337",
      snapshot: false,
      tsEvent: "1676965262177000000",
    });
  });

  it("parses a documented myOrder trade into a FILL under the JTS order id", () => {
    const order = {
      id: "0190f0e1-7c2a-7d3e-8f4a-1b2c3d4e5f60",
      account: "acc-1",
      venue: "upbit",
      symbol: "BTC-KRW",
      side: "BUY",
    } as const;
    const fill = reportFillFixture({
      fillId: "68315169-fba4-4175-ade3-aff14a616657",
      price: "0.001453",
      quantity: "30925891.29839369",
      fee: "22.467669392",
      feeCurrency: "KRW",
      liquidity: "MAKER",
      cumulativeQuantity: "30925891.29839369",
    });
    expect(parseMyOrder(MY_ORDER_TRADE_FRAME as unknown as UpbitMyOrder, "acc-1")).toEqual(
      executionReportFixture(order, "FILL", fill, { reason: null, tsEvent: "1710751590421000000" }),
    );
    const frame = MY_ORDER_TRADE_FRAME as unknown as UpbitMyOrder;
    expect(parseMyOrder({ ...frame, state: "wait" }, "acc-1")?.kind).toBe("ACCEPTED");
    expect(parseMyOrder({ ...frame, state: "cancel" }, "acc-1")?.kind).toBe("CANCELED");
    expect(parseMyOrder({ ...frame, state: "done" }, "acc-1")).toBeNull();
    expect(parseMyOrder({ ...frame, identifier: null }, "acc-1")).toBeNull();
    // A frame without executed_volume says nothing of the total: no cumulative quantity rather than a wrong one.
    expect(parseMyOrder({ ...frame, executed_volume: undefined }, "acc-1")?.fill).not.toHaveProperty(
      "cumulativeQuantity",
    );
  });

  it("reads Remaining-Req", () => {
    expect(parseRemainingReq("group=default; min=1800; sec=29")).toEqual({ group: "default", sec: 29 });
    expect(parseRemainingReq(null)).toBeNull();
  });
});

describe("Upbit REST parsing", () => {
  it("derives order status and average price from the order and its trades", () => {
    const order = parseOrder(
      {
        uuid: "u1",
        side: "bid",
        ord_type: "limit",
        price: "50000000",
        state: "wait",
        market: "KRW-BTC",
        created_at: "2026-11-27T12:00:00+09:00",
        volume: "0.002",
        remaining_volume: "0.001",
        executed_volume: "0.001",
        identifier: "jts-1",
        trades: [{ price: "49990000", volume: "0.001", funds: "49990" }],
      },
      "acc-1",
    );
    expect(order).toMatchObject({
      orderId: "jts-1",
      status: "PARTIALLY_FILLED",
      filledQuantity: "0.001",
      averagePrice: "49990000",
      price: "50000000",
      tsEvent: "1795748400000000000",
    });
  });

  it("turns accounts into balances and coin holdings into positions", () => {
    const accounts = [
      { currency: "KRW", balance: "1000000.0", locked: "0.0", avg_buy_price: "0", unit_currency: "KRW" },
      { currency: "BTC", balance: "0.5", locked: "0.1", avg_buy_price: "48000000", unit_currency: "KRW" },
    ];
    expect(parseBalances(accounts, "acc-1")[1]).toEqual({
      account: "acc-1",
      currency: "BTC",
      total: "0.6",
      free: "0.5",
      locked: "0.1",
    });
    const positions = parsePositions(accounts, "acc-1", "1");
    expect(positions).toHaveLength(1);
    expect(positions[0]).toMatchObject({
      symbol: "BTC-KRW",
      quantity: "0.6",
      averagePrice: "48000000",
      currency: "KRW",
    });
    expect(compile(Position).check(positions[0])).toBe(true);
  });

  it("lists markets as instruments and candles with their open time", () => {
    expect(parseMarkets([{ market: "KRW-BTC" }, { market: "BTC-ETH" }]).map((i) => i.symbol)).toEqual([
      "BTC-KRW",
      "ETH-BTC",
    ]);
    const candle = parseCandle(
      {
        market: "KRW-BTC",
        candle_date_time_utc: "2026-11-27T00:01:00",
        opening_price: 1,
        high_price: 2,
        low_price: 0.5,
        trade_price: 1.5,
        candle_acc_trade_volume: 3,
      },
      "1m",
      60_000,
    );
    expect(candle).toMatchObject({ symbol: "BTC-KRW", tsOpen: "1795737660000000000", close: "1.5", closed: true });
  });
});
