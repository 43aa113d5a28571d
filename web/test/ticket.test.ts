import { describe, expect, test } from "bun:test";
import type { Instrument } from "@jts/contracts";
import { SIM_INSTRUMENTS } from "@jts/kit";
import { emptyDraft, type TicketDraft, validateTicket } from "../src/lib/ticket.ts";

/** The sim venue's Samsung Electronics: flat tickSize 100, but KRX's price bands apply. */
const SAMSUNG = SIM_INSTRUMENTS.find((i) => i.symbol === "005930") as Instrument;

const limit = (price: string, overrides: Partial<TicketDraft> = {}): TicketDraft => ({
  ...emptyDraft("005930"),
  quantity: "1",
  price,
  ...overrides,
});

describe("ticket price ticks", () => {
  test("takes a price on the tick of its KRX band, as the OMS and risk do", () => {
    expect(validateTicket(limit("49950"), SAMSUNG)).toEqual({});
    expect(validateTicket(limit("1999"), SAMSUNG)).toEqual({});
    expect(validateTicket(limit("250500"), SAMSUNG)).toEqual({});
  });

  test("refuses a price off its band's tick and names that tick", () => {
    expect(validateTicket(limit("50050"), SAMSUNG).price).toBe(
      "Limit price must be a multiple of the tick size 100 at 50050",
    );
    const stop = limit("", { type: "STOP_MARKET", stopPrice: "49975", timeInForce: "IOC" });
    expect(validateTicket(stop, SAMSUNG).stopPrice).toBe("Stop price must be a multiple of the tick size 50 at 49975");
  });

  test("keeps the flat tickSize for instruments without bands", () => {
    const usdt: Instrument = {
      ...SAMSUNG,
      symbol: "BTC-USDT",
      venue: "binance",
      kind: "CRYPTO",
      quote: "USDT",
      tickSize: "0.01",
    };
    expect(validateTicket(limit("90000.01", { symbol: "BTC-USDT" }), usdt)).toEqual({});
    expect(validateTicket(limit("90000.005", { symbol: "BTC-USDT" }), usdt).price).toContain("tick size 0.01");
  });
});
