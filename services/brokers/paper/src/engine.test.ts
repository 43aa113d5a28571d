import { describe, expect, it } from "bun:test";
import { type ExecutionReport, type Instrument, type Order, type Quote, type Tick, utcMidnight } from "@jts/contracts";
import { InstrumentCatalog, SIM_INSTRUMENTS } from "@jts/kit";
import { orderFixture } from "@jts/kit/testing";
import { MatchingEngine, type MatchingEngineOptions } from "./engine.ts";
import { krxSettlementDate, parseKrxTaxRates } from "./krx-tax.ts";

const quote = (bid: string, ask: string, size = "1", symbol = "BTC-KRW"): Quote => ({
  symbol,
  venue: "sim",
  bid,
  ask,
  bidSize: size,
  askSize: size,
  tsEvent: "1",
});

const trade = (price: string, quantity: string, symbol = "BTC-KRW"): Tick => ({
  symbol,
  venue: "sim",
  price,
  quantity,
  aggressor: "NONE",
  tradeId: `t-${price}-${quantity}`,
  tsEvent: "1",
});

let orderSeq = 0;
const order = (overrides: Partial<Order> = {}): Order =>
  orderFixture({
    id: `o${++orderSeq}`,
    account: "paper-main",
    symbol: "BTC-KRW",
    quantity: "0.01",
    timeInForce: "IOC",
    ...overrides,
  });
const limit = (side: Order["side"], price: string, overrides: Partial<Order> = {}) =>
  order({ type: "LIMIT", side, price, timeInForce: "GTC", ...overrides });

const kinds = (reports: ExecutionReport[]) => reports.map((r) => r.kind);
const fills = (reports: ExecutionReport[]) =>
  reports.filter((r) => r.kind === "FILL").map((r) => ({ price: r.fill?.price, quantity: r.fill?.quantity }));

function setup(options: Partial<MatchingEngineOptions> = {}) {
  const clock = { now: 1_000n };
  let id = 0;
  const engine = new MatchingEngine({
    clock: () => clock.now,
    instruments: new InstrumentCatalog(),
    newId: () => `id${++id}`,
    ...options,
  });
  return { engine, clock };
}

describe("matching engine: MARKET", () => {
  it("refuses a market order before any market price is known", () => {
    const { ack } = setup().engine.place(order());
    expect(ack.accepted).toBe(false);
    expect(ack.reason).toContain("no market price");
  });

  it("fills a buy at the best ask with the taker fee, a sell at the best bid", () => {
    const { engine } = setup();
    engine.onQuote(quote("150000000", "150001000"));
    const buy = engine.place(order());
    expect(buy.ack.accepted).toBe(true);
    expect(kinds(buy.reports)).toEqual(["ACCEPTED", "FILL"]);
    // 150,001,000 x 0.01 x 0.05% (the sim instrument's taker fee)
    expect(buy.reports[1]?.fill).toMatchObject({ price: "150001000", quantity: "0.01", fee: "750.005" });
    expect(buy.reports[1]?.fill?.liquidity).toBe("TAKER");
    expect(fills(engine.place(order({ side: "SELL" })).reports)).toEqual([{ price: "150000000", quantity: "0.01" }]);
  });

  it("walks the synthetic book beyond the top size, each level 5 bps worse, and reports a fill per level", () => {
    const { engine } = setup();
    engine.onQuote(quote("99000000", "100000000", "1"));
    const { reports } = engine.place(order({ quantity: "2.5" }));
    expect(fills(reports)).toEqual([
      { price: "100000000", quantity: "1" },
      { price: "100050000", quantity: "1" },
      { price: "100100000", quantity: "0.5" },
    ]);
    expect(reports.at(-1)?.kind).toBe("FILL");
  });

  it("stamps the ack and every report of a place with that place's clock reading, and reports each fill's running total", () => {
    const { engine, clock } = setup();
    engine.onQuote(quote("99000000", "100000000", "1"));
    clock.now = 1_700_000_000_123_456_789n;
    const first = engine.place(order({ quantity: "1.5" }));
    expect(first.ack.tsEvent).toBe("1700000000123456789");
    expect(first.reports.map((r) => r.tsEvent)).toEqual([
      "1700000000123456789",
      "1700000000123456789",
      "1700000000123456789",
    ]);
    expect(first.reports.slice(1).map((r) => r.fill?.cumulativeQuantity)).toEqual(["1", "1.5"]);
    expect(first.reports.slice(1).map((r) => r.fill?.quantity)).toEqual(["1", "0.5"]);
    clock.now = 1_700_000_001_000_000_000n;
    const second = engine.place(order({ quantity: "0.25" }));
    expect(second.ack.tsEvent).toBe("1700000001000000000");
    expect(second.reports.map((r) => r.tsEvent)).toEqual(["1700000001000000000", "1700000001000000000"]);
    expect(second.reports[1]?.fill?.cumulativeQuantity).toBe("0.25");
  });

  it("takes an instrument's new lot size from the next order once its listing is replaced", () => {
    const catalog = new InstrumentCatalog();
    const { engine } = setup({ instruments: catalog });
    engine.onQuote(quote("99000000", "100000000", "0.015"));
    expect(fills(engine.place(order({ quantity: "0.02" })).reports)).toEqual([
      { price: "100000000", quantity: "0.015" },
      { price: "100050000", quantity: "0.005" },
    ]);
    catalog.upsert([{ ...(catalog.find("BTC-KRW") as Instrument), lotSize: "0.01" }]);
    engine.onQuote(quote("99000000", "100000000", "0.015"));
    expect(fills(engine.place(order({ quantity: "0.02" })).reports)).toEqual([
      { price: "100000000", quantity: "0.01" },
      { price: "100050000", quantity: "0.01" },
    ]);
  });

  it("rounds slipped prices to the tick of their KRX band, not the flat tickSize", () => {
    const { engine } = setup();
    // 005930 below 50,000 KRW moves in 50s; its flat tickSize (100) would fill the top level at 50,000.
    engine.onQuote(quote("49900", "49950", "1", "005930"));
    const { reports } = engine.place(order({ symbol: "005930", quantity: "2" }));
    expect(fills(reports)).toEqual([
      { price: "49950", quantity: "1" },
      { price: "50000", quantity: "1" },
    ]);
  });

  it("expires what the book cannot hold (IOC), and a FOK that does not fit is expired with no fill", () => {
    const { engine } = setup({ slippage: { bpsPerLevel: 10, levels: 2 } });
    engine.onQuote(quote("99000000", "100000000", "1"));
    const ioc = engine.place(order({ quantity: "3" }));
    expect(kinds(ioc.reports)).toEqual(["ACCEPTED", "FILL", "FILL", "EXPIRED"]);
    expect(fills(ioc.reports).map((f) => f.quantity)).toEqual(["1", "1"]);
    engine.onQuote(quote("99000000", "100000000", "1"));
    const fok = engine.place(order({ quantity: "3", timeInForce: "FOK" }));
    expect(kinds(fok.reports)).toEqual(["ACCEPTED", "EXPIRED"]);
    expect(fok.reports[1]?.reason).toContain("FOK");
    const fits = engine.place(order({ quantity: "2", timeInForce: "FOK" }));
    expect(kinds(fits.reports)).toEqual(["ACCEPTED", "FILL", "FILL"]);
  });

  it("uses up the top of book until the next quote refreshes it", () => {
    const { engine } = setup();
    engine.onQuote(quote("99000000", "100000000", "1"));
    engine.place(order({ quantity: "0.6" }));
    expect(fills(engine.place(order({ quantity: "0.6" })).reports)).toEqual([
      { price: "100000000", quantity: "0.4" },
      { price: "100050000", quantity: "0.2" },
    ]);
    engine.onQuote(quote("99000000", "100000000", "1"));
    expect(fills(engine.place(order({ quantity: "0.6" })).reports)).toEqual([{ price: "100000000", quantity: "0.6" }]);
  });

  it("keeps filling a burst of market orders one level deeper once the best level is used up", () => {
    const { engine } = setup();
    engine.onQuote(quote("99000000", "100000000", "1"));
    engine.place(order({ quantity: "1" }));
    const next = engine.place(order({ quantity: "0.5" }));
    expect(fills(next.reports)).toEqual([{ price: "100050000", quantity: "0.5" }]);
    expect(kinds(next.reports)).toEqual(["ACCEPTED", "FILL"]);
  });

  it("fills from trades alone when there are no quotes (a tick-driven backtest)", () => {
    const { engine } = setup();
    engine.onTick(trade("100000000", "5"));
    expect(fills(engine.place(order({ quantity: "1" })).reports)).toEqual([{ price: "100000000", quantity: "1" }]);
  });
});

describe("matching engine: LIMIT", () => {
  it("rests a buy below the ask and fills it at its own price as maker when the ask reaches it", () => {
    const { engine } = setup();
    engine.onQuote(quote("150000000", "150001000"));
    const { reports } = engine.place(limit("BUY", "149990000"));
    expect(kinds(reports)).toEqual(["ACCEPTED"]);
    expect(engine.openOrders()).toHaveLength(1);
    expect(engine.onQuote(quote("149995000", "149996000"))).toEqual([]);
    const filled = engine.onQuote(quote("149980000", "149985000"));
    expect(filled[0]?.fill).toMatchObject({ price: "149990000", liquidity: "MAKER" });
    expect(engine.openOrders()).toHaveLength(0);
  });

  it("fills a crossing limit at once at the better opposite price, never past its limit, and rests the rest", () => {
    const { engine } = setup();
    engine.onQuote(quote("99000000", "100000000", "1"));
    const { reports } = engine.place(limit("BUY", "100050000", { quantity: "3" }));
    expect(fills(reports)).toEqual([
      { price: "100000000", quantity: "1" },
      { price: "100050000", quantity: "1" },
    ]);
    expect(reports.every((r) => r.kind !== "FILL" || r.fill?.liquidity === "TAKER")).toBe(true);
    expect(engine.openOrders()[0]).toMatchObject({ status: "PARTIALLY_FILLED", filledQuantity: "2" });
  });

  it("fills a resting order partially, bounded by the top-of-book size, then completes it", () => {
    const { engine } = setup();
    engine.onQuote(quote("101000000", "102000000"));
    engine.place(limit("BUY", "100000000", { quantity: "2" }));
    const first = engine.onQuote(quote("99000000", "100000000", "0.5"));
    expect(fills(first)).toEqual([{ price: "100000000", quantity: "0.5" }]);
    expect(engine.openOrders()[0]).toMatchObject({ status: "PARTIALLY_FILLED", filledQuantity: "0.5" });
    const second = engine.onQuote(quote("99000000", "99500000", "5"));
    expect(engine.openOrders()).toHaveLength(0);
    // Each fill says what the order has executed with it (FIX CumQty): the OMS tells late reports by it.
    expect([...first, ...second].map((r) => r.fill?.cumulativeQuantity)).toEqual(["0.5", "2"]);
  });

  it("fills resting orders from trades at or through the limit, bounded by the traded volume, best price first", () => {
    const { engine } = setup();
    engine.onQuote(quote("101000000", "102000000"));
    const low = engine.place(limit("BUY", "99000000", { quantity: "1" })).ack;
    const high = engine.place(limit("BUY", "100000000", { quantity: "1" })).ack;
    expect(engine.onTick(trade("100500000", "10"))).toEqual([]);
    const reports = engine.onTick(trade("99000000", "1.5"));
    expect(reports.map((r) => [r.orderId, r.fill?.quantity, r.fill?.price])).toEqual([
      [high.orderId, "1", "100000000"],
      [low.orderId, "0.5", "99000000"],
    ]);
  });

  it("shares one quote's size between resting orders in time priority at the same price", () => {
    const { engine } = setup();
    engine.onQuote(quote("100000000", "102000000"));
    const first = engine.place(limit("SELL", "101000000", { quantity: "1" })).ack;
    const second = engine.place(limit("SELL", "101000000", { quantity: "1" })).ack;
    const reports = engine.onQuote(quote("101000000", "101500000", "1.2"));
    expect(reports.map((r) => [r.orderId, r.fill?.quantity])).toEqual([
      [first.orderId, "1"],
      [second.orderId, "0.2"],
    ]);
  });

  it("IOC fills what crosses and expires the rest; a non-crossing IOC expires untouched", () => {
    const { engine } = setup();
    engine.onQuote(quote("99000000", "100000000", "1"));
    const partial = engine.place(limit("BUY", "100000000", { quantity: "3", timeInForce: "IOC" }));
    expect(kinds(partial.reports)).toEqual(["ACCEPTED", "FILL", "EXPIRED"]);
    const none = engine.place(limit("BUY", "90000000", { timeInForce: "IOC" }));
    expect(kinds(none.reports)).toEqual(["ACCEPTED", "EXPIRED"]);
    expect(engine.openOrders()).toHaveLength(0);
  });

  it("FOK fills completely within its limit or not at all", () => {
    const { engine } = setup();
    engine.onQuote(quote("99000000", "100000000", "1"));
    const refused = engine.place(limit("BUY", "100050000", { quantity: "2.5", timeInForce: "FOK" }));
    expect(kinds(refused.reports)).toEqual(["ACCEPTED", "EXPIRED"]);
    const filled = engine.place(limit("BUY", "100050000", { quantity: "2", timeInForce: "FOK" }));
    expect(fills(filled.reports).map((f) => f.quantity)).toEqual(["1", "1"]);
    expect(engine.queryOrder({ orderId: filled.ack.orderId })?.status).toBe("FILLED");
  });

  it("accepts a limit before any market data and fills it once the market comes", () => {
    const { engine } = setup();
    expect(engine.place(limit("BUY", "100000000")).ack.accepted).toBe(true);
    expect(fills(engine.onQuote(quote("99000000", "99500000")))).toEqual([{ price: "100000000", quantity: "0.01" }]);
  });
});

describe("matching engine: stops", () => {
  it("holds a STOP_MARKET buy until a trade prints at its stop, then fills it as a market order", () => {
    const { engine } = setup();
    engine.onQuote(quote("99000000", "100000000", "1"));
    const { reports } = engine.place(order({ type: "STOP_MARKET", stopPrice: "101000000", timeInForce: "GTC" }));
    expect(kinds(reports)).toEqual(["ACCEPTED"]);
    expect(engine.onTick(trade("100500000", "1"))).toEqual([]);
    engine.onQuote(quote("100900000", "101100000", "1"));
    // The ask reached the stop first: triggered by the quote, filled at that ask.
    expect(engine.openOrders()).toHaveLength(0);
    expect(engine.queryOrder({ orderId: reports[0]?.orderId })).toMatchObject({
      status: "FILLED",
      averagePrice: "101100000",
    });
  });

  it("triggers a STOP_MARKET sell on a trade at or below the stop", () => {
    const { engine } = setup();
    engine.onQuote(quote("100000000", "100100000", "1"));
    engine.place(order({ side: "SELL", type: "STOP_MARKET", stopPrice: "99000000", timeInForce: "GTC" }));
    expect(engine.onTick(trade("99500000", "1"))).toEqual([]);
    const reports = engine.onTick(trade("99000000", "1"));
    expect(fills(reports)).toEqual([{ price: "100000000", quantity: "0.01" }]);
  });

  it("turns a triggered STOP_LIMIT into a resting limit that fills when the market comes back", () => {
    const { engine } = setup();
    engine.onQuote(quote("100000000", "100100000", "1"));
    const placed = engine.place(
      order({ side: "SELL", type: "STOP_LIMIT", stopPrice: "99000000", price: "99500000", timeInForce: "GTC" }),
    );
    // Gapped through: the bid is below the limit, so nothing fills yet.
    expect(engine.onQuote(quote("98000000", "98100000", "1"))).toEqual([]);
    expect(engine.queryOrder({ orderId: placed.ack.orderId })?.status).toBe("ACCEPTED");
    const reports = engine.onQuote(quote("99500000", "99600000", "1"));
    expect(reports[0]?.fill).toMatchObject({ price: "99500000", liquidity: "MAKER" });
  });

  it("triggers at once when the stop is already reached on arrival", () => {
    const { engine } = setup();
    engine.onQuote(quote("100000000", "100100000", "1"));
    const { reports } = engine.place(order({ type: "STOP_MARKET", stopPrice: "100000000", timeInForce: "GTC" }));
    expect(kinds(reports)).toEqual(["ACCEPTED", "FILL"]);
  });
});

describe("matching engine: DAY, cancel, idempotency", () => {
  it("expires a DAY order at the session end the engine was given, and leaves GTC alone", () => {
    const { engine, clock } = setup();
    const noon = 1_764_244_800_000_000_000n; // 2025-11-27T12:00Z
    clock.now = noon;
    engine.onQuote(quote("99000000", "100000000"));
    const day = engine.place(limit("BUY", "90000000", { timeInForce: "DAY" })).ack;
    engine.place(limit("BUY", "90000000"));
    clock.now = utcMidnight("sim", noon) - 1n;
    expect(engine.advance()).toEqual([]);
    clock.now = utcMidnight("sim", noon);
    const reports = engine.onQuote(quote("99000000", "100000000"));
    expect(reports.map((r) => [r.orderId, r.kind])).toEqual([[day.orderId, "EXPIRED"]]);
    expect(engine.openOrders()).toHaveLength(1);
  });

  it("takes the session end as a dependency (a stock venue closing at 15:30 KST)", () => {
    const closeAt = 42n;
    const { engine, clock } = setup({ sessionEnd: () => closeAt });
    engine.place(limit("BUY", "90000000", { timeInForce: "DAY" }));
    clock.now = closeAt;
    expect(kinds(engine.advance())).toEqual(["EXPIRED"]);
  });

  it("asks the session end by the order's symbol, so a venue's stocks and crypto can close apart", () => {
    const asked: Array<string | undefined> = [];
    const { engine } = setup({
      sessionEnd: (_venue, _ts, symbol) => {
        asked.push(symbol);
        return 42n;
      },
    });
    engine.place(limit("BUY", "40000", { symbol: "005930", quantity: "1", timeInForce: "DAY" }));
    expect(asked).toEqual(["005930"]);
  });

  it("cancels a resting order once and refuses a second cancel", () => {
    const { engine } = setup();
    const { ack } = engine.place(limit("BUY", "90000000"));
    const first = engine.cancel(ack.orderId);
    expect(first.ack.accepted).toBe(true);
    expect(kinds(first.reports)).toEqual(["CANCELED"]);
    expect(engine.cancel(ack.orderId).ack.accepted).toBe(false);
    expect(engine.queryOrder({ venueOrderId: ack.venueOrderId as string })?.status).toBe("CANCELED");
  });

  it("answers a repeated place of one order id with the first ack and no second fill", () => {
    const { engine } = setup();
    engine.onQuote(quote("150000000", "150001000"));
    const o = order();
    const first = engine.place(o);
    const again = engine.place(o);
    expect(again.ack).toEqual(first.ack);
    expect(again.reports).toEqual([]);
  });

  it("refuses orders it cannot work: unknown symbol, missing prices", () => {
    const { engine } = setup();
    expect(engine.place(order({ symbol: "XRP-KRW" })).ack.reason).toContain("does not list");
    expect(engine.place(order({ type: "LIMIT", price: null })).ack.reason).toContain("needs a price");
    expect(engine.place(order({ type: "STOP_MARKET" })).ack.reason).toContain("needs a stopPrice");
  });
});

describe("matching engine: fees, positions, balances", () => {
  const krx: Instrument = { ...(SIM_INSTRUMENTS[2] as Instrument), venue: "kis" };

  /** Noon KST of a date, in ns. */
  const kst = (date: string) => BigInt(Date.parse(`${date}T12:00:00+09:00`)) * 1_000_000n;
  const krxSell = (on: string, instrument: Instrument = krx, options: Partial<MatchingEngineOptions> = {}) => {
    const { engine, clock } = setup({ instruments: new InstrumentCatalog([instrument]), ...options });
    clock.now = kst(on);
    engine.onQuote(quote("70000", "70100", "1000", "005930"));
    return engine.place(order({ symbol: "005930", venue: "kis", side: "SELL", quantity: "10" }));
  };

  it("charges the KRX commission on buys truncated below 1 won", () => {
    const { engine, clock } = setup({ instruments: new InstrumentCatalog([krx]) });
    clock.now = kst("2026-03-02");
    engine.onQuote(quote("70000", "70100", "1000", "005930"));
    const buy = engine.place(order({ symbol: "005930", venue: "kis", quantity: "10" }));
    expect(buy.reports[1]?.fill?.fee).toBe("105"); // 701,000 x 0.015% = 105.15
  });

  it("charges a sell the KRX tax in force on its date in its market, each part truncated below 1 won", () => {
    // 700,000 sold: 105 commission plus the taxes of the day.
    const fee = (on: string, market?: Instrument["market"]) =>
      krxSell(on, market ? { ...krx, market } : krx).reports[1]?.fill?.fee;
    expect(fee("2024-06-03")).toBe("1365"); // KOSPI 0.03% + 0.15% rural tax
    expect(fee("2025-06-02")).toBe("1155"); // KOSPI 0% + 0.15%
    expect(fee("2026-03-02")).toBe("1505"); // KOSPI 0.05% + 0.15%
    expect(fee("2025-06-02", "KOSDAQ")).toBe("1155"); // 0.15%, no rural tax
    expect(fee("2026-03-02", "KOSDAQ")).toBe("1505"); // 0.20%
    expect(fee("2026-03-02", "KONEX")).toBe("805"); // 0.10%
    // 00:30 KST on 2025-01-01 is still 2024-12-31 in UTC: the KST date decides.
    const { engine, clock } = setup({ instruments: new InstrumentCatalog([krx]) });
    clock.now = BigInt(Date.parse("2025-01-01T00:30:00+09:00")) * 1_000_000n;
    engine.onQuote(quote("70000", "70100", "1000", "005930"));
    expect(
      engine.place(order({ symbol: "005930", venue: "kis", side: "SELL", quantity: "10" })).reports[1]?.fill?.fee,
    ).toBe("1155");
  });

  it("truncates each tax below 1 won on its own: 490,700 sold pays 73 + 245 + 736", () => {
    const { engine, clock } = setup({ instruments: new InstrumentCatalog([krx]) });
    clock.now = kst("2026-03-02");
    engine.onQuote(quote("70100", "70200", "1000", "005930"));
    const sell = engine.place(order({ symbol: "005930", venue: "kis", side: "SELL", quantity: "7" }));
    // 73.605 commission, 245.35 securities transaction tax, 736.05 rural tax
    expect(sell.reports[1]?.fill?.fee).toBe("1054");
  });

  it("takes the tax table from configuration, and refuses a sell on a date the table does not cover", () => {
    expect(krxSell("2018-05-02").reports[1]?.fill?.fee).toBe("2205"); // 105 + 0.15% + 0.15% rural tax
    const early = krxSell("2012-05-02");
    expect(early.ack.accepted).toBe(false);
    expect(early.ack.reason).toContain(
      "no KRX sell tax rate for KOSPI on 2012-05-04 (the settlement date of a trade on 2012-05-02)",
    );
    const krxTaxRates = parseKrxTaxRates("KOSPI:2012-01-01:0.0015+0.0015,KOSPI:2026-01-01:0.0008+0.0015");
    expect(krxSell("2012-05-02", krx, { krxTaxRates }).reports[1]?.fill?.fee).toBe("2205");
    expect(krxSell("2026-03-02", krx, { krxTaxRates }).reports[1]?.fill?.fee).toBe("1715"); // 105 + 560 + 1050
    expect(() => parseKrxTaxRates("KOSPI:2026-1-1:0.001,NYSE:2026-01-01:0.001,KOSDAQ:2026-01-01:-1")).toThrow(
      /2026-1-1.*NYSE.*-1/,
    );
  });

  it("taxes a sell at the rate of its T+2 settlement date, KRX holidays skipped (review 13a finding 12)", () => {
    // KOSPI 2022: 0.08% + 0.15% (105 + 560 + 1050); from 2023-01-01: 0.05% + 0.15% (105 + 350 + 1050).
    // A sell on Wednesday 2022-12-28 settled on 2023-01-02: 12-29 was the last trading day, 12-30 a KRX holiday.
    expect(krxSell("2022-12-27").reports[1]?.fill?.fee).toBe("1715"); // settles 12-29: 2022 rate
    expect(krxSell("2022-12-28", krx, { krxHolidays: ["2022-12-30"] }).reports[1]?.fill?.fee).toBe("1505");
    // Without the holiday calendar the same sell settles on 12-30 and pays the 2022 rate.
    expect(krxSell("2022-12-28").reports[1]?.fill?.fee).toBe("1715");
    // A Friday sell settles on Tuesday: weekends are never business days.
    expect(krxSettlementDate(kst("2025-12-26"))).toBe("2025-12-30");
    expect(krxSettlementDate(kst("2025-12-29"), new Set(["2025-12-31", "2026-01-01"]))).toBe("2026-01-02");
  });

  it("refuses a KRX stock with no market instead of taxing it as KOSPI", () => {
    const bare: Instrument = { ...krx, market: undefined };
    const sell = krxSell("2026-03-02", bare);
    expect(sell.ack.accepted).toBe(false);
    expect(sell.ack.reason).toContain("no KRX market for 005930");
    const { engine } = setup({ instruments: new InstrumentCatalog([bare]) });
    engine.onQuote(quote("70000", "70100", "1000", "005930"));
    expect(engine.place(order({ symbol: "005930", venue: "kis", quantity: "10" })).ack.reason).toContain(
      "no KRX market for 005930",
    );
    // A stock priced in another currency pays no KRX tax and needs no market.
    const usd: Instrument = { ...bare, quote: "USD" };
    const { engine: us } = setup({ instruments: new InstrumentCatalog([usd]) });
    us.onQuote(quote("70000", "70100", "1000", "005930"));
    expect(us.place(order({ symbol: "005930", venue: "kis", quantity: "10" })).ack.accepted).toBe(true);
  });

  it("refuses an order on a venue missing from the fee table instead of charging it the KRX rate", () => {
    const unknown: Instrument = { ...krx, venue: "paper" };
    const { engine } = setup({ instruments: new InstrumentCatalog([unknown]) });
    engine.onQuote(quote("70000", "70100", "1000", "005930"));
    const { ack, reports } = engine.place(order({ symbol: "005930", venue: "paper", side: "SELL", quantity: "10" }));
    expect(ack).toMatchObject({ accepted: false, reason: "paper venue has no fee schedule for venue paper" });
    expect(reports).toEqual([]);
  });

  it("reports an order's average price at full precision: 0.00000001 @ 12345.678901 is 12345.678901", () => {
    const fine: Instrument = { ...(SIM_INSTRUMENTS[0] as Instrument), venue: "binance", tickSize: "0.000001" };
    const { engine } = setup({ instruments: new InstrumentCatalog([fine]) });
    engine.onQuote(quote("12345.678900", "12345.678901", "0.00000001"));
    const { ack } = engine.place(order({ venue: "binance", quantity: "0.00000001" }));
    expect(engine.queryOrder({ orderId: ack.orderId })?.averagePrice).toBe("12345.678901");
    expect(engine.positions("paper-main")[0]?.averagePrice).toBe("12345.678901");
  });

  it("uses the venue table: Binance 0.1% maker and taker", () => {
    const binance: Instrument = { ...(SIM_INSTRUMENTS[0] as Instrument), venue: "binance" };
    const { engine } = setup({ instruments: new InstrumentCatalog([binance]) });
    engine.onQuote(quote("99000000", "100000000"));
    expect(engine.place(order({ venue: "binance", quantity: "1" })).reports[1]?.fill?.fee).toBe("100000");
  });

  it("keeps positions and cash from its own fills, with open buys locking cash", () => {
    const { engine } = setup({ initialBalances: { "paper-main": { KRW: "1000000000" } } });
    engine.onQuote(quote("99000000", "100000000", "10"));
    engine.place(order({ quantity: "2" }));
    engine.place(order({ side: "SELL", quantity: "1" }));
    engine.place(limit("BUY", "90000000", { quantity: "1" }));
    expect(engine.positions("paper-main")).toEqual([
      // -1,000,000 on the closed unit, less both fees (in KRW, the quote): realized P&L is net, as the portfolio keeps it.
      expect.objectContaining({ symbol: "BTC-KRW", quantity: "1", averagePrice: "100000000", realizedPnl: "-1149500" }),
    ]);
    const krw = engine.balances("paper-main").find((b) => b.currency === "KRW");
    // 1e9 - 200,000,000 - 100,000 fee + 99,000,000 - 49,500 fee
    expect(krw).toMatchObject({ total: "898850500", locked: "90000000", free: "808850500" });
    expect(engine.balances("paper-main").find((b) => b.currency === "BTC")?.total).toBe("1");
  });
});
