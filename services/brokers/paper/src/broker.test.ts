import { describe, expect, it } from "bun:test";
import type { Order, Quote } from "@jts/contracts";
import { createLogger, InstrumentCatalog, MemoryEventBus } from "@jts/kit";
import { orderFixture } from "@jts/kit/testing";
import { PaperBroker } from "./broker.ts";

const quote = (bid: string, ask: string): Quote => ({
  symbol: "BTC-KRW",
  venue: "sim",
  bid,
  ask,
  bidSize: "1",
  askSize: "1",
  tsEvent: "1",
});

const order = (overrides: Partial<Order> = {}): Order =>
  orderFixture({ account: "paper-main", symbol: "BTC-KRW", quantity: "0.01", timeInForce: "GTC", ...overrides });

const broker = () =>
  new PaperBroker(
    new MemoryEventBus(),
    new InstrumentCatalog(),
    createLogger({}, "error", () => {}),
  );

describe("paper broker", () => {
  it("refuses an order before any market price is known", () => {
    const { ack } = broker().place(order({}));
    expect(ack.accepted).toBe(false);
    expect(ack.reason).toContain("no market price");
  });

  it("fills a MARKET buy at the best ask with the taker fee", () => {
    const b = broker();
    b.onQuote(quote("150000000", "150001000"));
    const { ack, reports } = b.place(order({}));
    expect(ack.accepted).toBe(true);
    expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED", "FILL"]);
    expect(reports[1]?.fill).toMatchObject({
      price: "150001000",
      quantity: "0.01",
      fee: "750.005",
      liquidity: "TAKER",
    });
  });

  it("fills a MARKET sell at the best bid", () => {
    const b = broker();
    b.onQuote(quote("150000000", "150001000"));
    const { reports } = b.place(order({ side: "SELL" }));
    expect(reports[1]?.fill?.price).toBe("150000000");
  });

  it("rests a LIMIT buy below the ask and fills it at its price as maker when the ask reaches it", () => {
    const b = broker();
    b.onQuote(quote("150000000", "150001000"));
    const { reports } = b.place(order({ type: "LIMIT", price: "149990000" }));
    expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED"]);
    expect(b.openOrders()).toHaveLength(1);
    expect(b.onQuote(quote("149995000", "149996000"))).toEqual([]);
    const fills = b.onQuote(quote("149980000", "149990000"));
    expect(fills[0]?.fill).toMatchObject({ price: "149990000", liquidity: "MAKER" });
    expect(b.openOrders()).toHaveLength(0);
  });

  it("fills a crossing LIMIT at once at the better opposite price", () => {
    const b = broker();
    b.onQuote(quote("150000000", "150001000"));
    const { reports } = b.place(order({ type: "LIMIT", price: "150100000" }));
    expect(reports[1]?.fill?.price).toBe("150001000");
  });

  it("expires an IOC limit that does not cross", () => {
    const b = broker();
    b.onQuote(quote("150000000", "150001000"));
    const { reports } = b.place(order({ type: "LIMIT", price: "149000000", timeInForce: "IOC" }));
    expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED", "EXPIRED"]);
    expect(b.openOrders()).toHaveLength(0);
  });

  it("cancels a resting order once and refuses a second cancel", () => {
    const b = broker();
    b.onQuote(quote("150000000", "150001000"));
    b.place(order({ type: "LIMIT", price: "149000000" }));
    const first = b.cancel({ orderId: "o1", account: "paper-main", symbol: "BTC-KRW" });
    expect(first.ack.accepted).toBe(true);
    expect(first.reports[0]?.kind).toBe("CANCELED");
    expect(b.cancel({ orderId: "o1", account: "paper-main", symbol: "BTC-KRW" }).ack.accepted).toBe(false);
  });

  it("answers a repeated place of one order id with the first ack and no second fill", () => {
    const b = broker();
    b.onQuote(quote("150000000", "150001000"));
    const first = b.place(order({}));
    const again = b.place(order({}));
    expect(again.ack).toEqual(first.ack);
    expect(again.reports).toEqual([]);
  });

  it("refuses stop orders instead of pretending to hold them", () => {
    const b = broker();
    b.onQuote(quote("150000000", "150001000"));
    expect(b.place(order({ type: "STOP_MARKET", stopPrice: "140000000" })).ack.accepted).toBe(false);
  });
});
