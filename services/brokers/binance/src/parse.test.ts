import { describe, expect, it } from "bun:test";
import { Quote, Tick } from "@jts/contracts";
import { compile } from "@jts/kit";
import { executionReportFixture } from "@jts/kit/testing";
import {
  BOOK_TICKER_FRAME,
  COMBINED_TRADE_FRAME,
  EXECUTION_REPORT_CANCELED,
  EXECUTION_REPORT_NEW,
  EXECUTION_REPORT_TRADE,
  KLINE_FRAME,
  TRADE_FRAME,
} from "./fixtures/frames.ts";
import {
  parseBalances,
  parseBookTicker,
  parseExchangeInfo,
  parseExecutionReport,
  parseKlineEvent,
  parseKlineRow,
  parseOrder,
} from "./parse.ts";
import { parseTradeFrame, trimZeros } from "./parse-trade.ts";
import { BinanceSymbols } from "./symbols.ts";

const symbols = new BinanceSymbols([
  { base: "BNB", quote: "BTC" },
  { base: "BNB", quote: "USDT" },
  { base: "ETH", quote: "BTC" },
]);

describe("Binance market data parsing (documented sample frames)", () => {
  it("parses the documented trade frame into a contracts Tick", () => {
    const tick = parseTradeFrame(TRADE_FRAME, symbols);
    expect(tick).toEqual({
      symbol: "BNB-BTC",
      venue: "binance",
      price: "0.001",
      quantity: "100",
      aggressor: "SELL",
      tradeId: "12345",
      tsEvent: "1672515782136000000",
    });
    expect(compile(Tick).check(tick)).toBe(true);
  });

  it("parses the trade inside a combined-stream envelope and agrees with JSON.parse", () => {
    const fast = parseTradeFrame(COMBINED_TRADE_FRAME, symbols);
    const data = JSON.parse(COMBINED_TRADE_FRAME).data;
    expect(fast).toMatchObject({ price: data.p, quantity: data.q, tradeId: String(data.t), aggressor: "SELL" });
  });

  it("parses a reordered frame and reads a taker buy", () => {
    const frame =
      '{"e":"trade","s":"BNBUSDT","p":"25.35000000","T":1700000000000,"q":"2.50000000","m":false,"t":9,"E":1}';
    expect(parseTradeFrame(frame, symbols)).toMatchObject({
      symbol: "BNB-USDT",
      price: "25.35",
      quantity: "2.5",
      aggressor: "BUY",
      tradeId: "9",
    });
  });

  it("returns null for other events, unknown symbols and truncated frames", () => {
    expect(parseTradeFrame(BOOK_TICKER_FRAME, symbols)).toBeNull();
    expect(parseTradeFrame(TRADE_FRAME.replace("BNBBTC", "XYZABC"), symbols)).toBeNull();
    expect(parseTradeFrame('{"e":"trade","s":"BNBBTC","t":1', symbols)).toBeNull();
  });

  it("trims zeros without touching integers", () => {
    expect(trimZeros("25.35190000")).toBe("25.3519");
    expect(trimZeros("100.00000000")).toBe("100");
    expect(trimZeros("100")).toBe("100");
  });

  it("parses the documented bookTicker frame into a Quote", () => {
    const quote = parseBookTicker(JSON.parse(BOOK_TICKER_FRAME), symbols);
    expect(quote).toMatchObject({
      symbol: "BNB-USDT",
      bid: "25.3519",
      bidSize: "31.21",
      ask: "25.3652",
      askSize: "40.66",
    });
    expect(compile(Quote).check(quote)).toBe(true);
  });

  it("parses the documented kline frame into an open 1m candle", () => {
    expect(parseKlineEvent(JSON.parse(KLINE_FRAME), symbols)).toEqual({
      symbol: "BNB-BTC",
      venue: "binance",
      interval: "1m",
      tsOpen: "1672515780000000000",
      open: "0.001",
      high: "0.0025",
      low: "0.0015",
      close: "0.002",
      volume: "1000",
      trades: 100,
      closed: false,
    });
  });

  it("parses REST kline rows and marks past ones closed", () => {
    const row = [1_000_000_020_000, "1.0", "2.0", "0.5", "1.5", "10", 1_000_000_079_999, "15", 3] as const;
    expect(parseKlineRow([...row], "BNB-BTC", "1m", 1_000_000_100_000)).toMatchObject({ close: "1.5", closed: true });
  });
});

describe("Binance user data parsing (documented executionReport)", () => {
  it("maps NEW to ACCEPTED under the client order id", () => {
    const order = {
      id: "mUvoqJxFIILMdfAW5iGSOW",
      account: "acc-1",
      venue: "binance",
      symbol: "ETH-BTC",
      side: "BUY",
    } as const;
    expect(parseExecutionReport(JSON.parse(EXECUTION_REPORT_NEW), symbols, "acc-1")).toEqual(
      executionReportFixture(order, "ACCEPTED", null, { reason: null, tsEvent: "1499405658658000000" }),
    );
  });

  it("maps TRADE to a FILL with price, quantity, fee and liquidity", () => {
    expect(parseExecutionReport(JSON.parse(EXECUTION_REPORT_TRADE), symbols, "acc-1")).toMatchObject({
      kind: "FILL",
      fill: {
        fillId: "ETHBTC-77",
        price: "0.1026441",
        quantity: "0.4",
        fee: "0.0004",
        feeCurrency: "ETH",
        liquidity: "MAKER",
        cumulativeQuantity: "0.4",
      },
      tsEvent: "1499405658699000000",
    });
  });

  it("reports a cancel under the original client order id", () => {
    expect(parseExecutionReport(JSON.parse(EXECUTION_REPORT_CANCELED), symbols, "acc-1")).toMatchObject({
      orderId: "mUvoqJxFIILMdfAW5iGSOW",
      kind: "CANCELED",
    });
  });
});

describe("Binance REST parsing", () => {
  it("reads tick size, lot size and min notional from exchangeInfo filters", () => {
    const [instrument] = parseExchangeInfo({
      rateLimits: [],
      symbols: [
        {
          symbol: "BTCUSDT",
          status: "TRADING",
          baseAsset: "BTC",
          quoteAsset: "USDT",
          filters: [
            {
              filterType: "PRICE_FILTER",
              minPrice: "0.01000000",
              maxPrice: "1000000.00000000",
              tickSize: "0.01000000",
            },
            { filterType: "LOT_SIZE", minQty: "0.00001000", maxQty: "9000.00000000", stepSize: "0.00001000" },
            { filterType: "NOTIONAL", minNotional: "5.00000000" },
          ],
        },
        { symbol: "OLDBTC", status: "BREAK", baseAsset: "OLD", quoteAsset: "BTC", filters: [] },
      ],
    });
    expect(instrument).toMatchObject({
      symbol: "BTC-USDT",
      venue: "binance",
      tickSize: "0.01",
      lotSize: "0.00001",
      minQuantity: "0.00001",
      minNotional: "5",
    });
  });

  it("parses an order with its average price, and orders JTS did not place without an order id", () => {
    const order = parseOrder(
      {
        symbol: "BNBBTC",
        orderId: 28,
        clientOrderId: "0190f0e1-7c2a-7d3e-8f4a-1b2c3d4e5f60",
        price: "0.10000000",
        origQty: "2.00000000",
        executedQty: "1.50000000",
        cummulativeQuoteQty: "0.15000000",
        status: "PARTIALLY_FILLED",
        type: "LIMIT",
        side: "SELL",
        updateTime: 1_700_000_000_000,
      },
      symbols,
      "acc-1",
    );
    expect(order).toMatchObject({
      orderId: "0190f0e1-7c2a-7d3e-8f4a-1b2c3d4e5f60",
      averagePrice: "0.1",
      filledQuantity: "1.5",
    });
    const manual = parseOrder(
      {
        symbol: "BNBBTC",
        clientOrderId: "web_abc",
        orderId: 29,
        price: "0",
        origQty: "1",
        executedQty: "0",
        cummulativeQuoteQty: "0",
        status: "NEW",
        type: "MARKET",
        side: "BUY",
      },
      symbols,
      "acc-1",
    );
    expect(manual).toMatchObject({ orderId: null, status: "ACCEPTED", price: null, averagePrice: null });
  });

  it("keeps non-zero balances whose asset codes the contracts can carry", () => {
    expect(
      parseBalances(
        [
          { asset: "BTC", free: "0.50000000", locked: "0.10000000" },
          { asset: "ETH", free: "0.00000000", locked: "0.00000000" },
          { asset: "1INCH", free: "3.00000000", locked: "0.00000000" },
        ],
        "acc-1",
      ),
    ).toEqual([{ account: "acc-1", currency: "BTC", total: "0.6", free: "0.5", locked: "0.1" }]);
  });
});
