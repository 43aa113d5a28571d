import { describe, expect, it } from "bun:test";
import {
  applyToPosition,
  bookFill,
  cashMoves,
  currenciesOf,
  otherCurrencyFee,
  parseFill,
  quoteFee,
} from "./booking.ts";
import { toFixed as f, weightedAverage } from "./decimal.ts";

const fill = (side: "BUY" | "SELL", quantity: string, price: string, fee: string, feeCurrency: string) =>
  parseFill({ symbol: "ETH-USDT", side, quantity, price, fee, feeCurrency });

describe("the booking rule", () => {
  it("reads a symbol's currencies from its code: BASE-QUOTE, or a KRX code in KRW", () => {
    expect(currenciesOf("ETH-USDT")).toEqual({ base: "ETH", quote: "USDT" });
    expect(currenciesOf("005930")).toEqual({ base: "005930", quote: "KRW" });
    expect(() => currenciesOf("eth/usdt")).toThrow("not a symbol code");
  });

  it("moves the quote by the notional and debits a quote or third-currency fee from that currency's cash", () => {
    expect(cashMoves(bookFill(fill("BUY", "0.4", "2000", "0.0004", "ETH")))).toEqual([["USDT", f("-800")]]);
    expect(cashMoves(bookFill(fill("BUY", "0.4", "2000", "0.01", "BNB")))).toEqual([
      ["USDT", f("-800")],
      ["BNB", f("-0.01")],
    ]);
    expect(cashMoves(bookFill(fill("SELL", "0.4", "2000", "0.8", "USDT")))).toEqual([["USDT", f("799.2")]]);
    expect(cashMoves(bookFill(fill("SELL", "0.4", "2000", "0", "BNB")))).toEqual([["USDT", f("800")]]);
  });

  it("moves the position by what the venue credits or debits when the fee is in the base", () => {
    expect(bookFill(fill("BUY", "1", "2000", "0.001", "ETH")).quantity).toBe(f("0.999"));
    expect(bookFill(fill("SELL", "1", "2000", "0.001", "ETH")).quantity).toBe(f("-1.001"));
    expect(bookFill(fill("BUY", "1", "2000", "2", "USDT")).quantity).toBe(f("1"));
    expect(bookFill(fill("SELL", "1", "2000", "0.01", "BNB")).quantity).toBe(f("-1"));
  });

  it("takes a fee in the quote, or in the base at the fill price, off realized P&L; none in a third currency", () => {
    expect(quoteFee(bookFill(fill("BUY", "1", "2000", "2", "USDT")))).toBe(f("2"));
    expect(quoteFee(bookFill(fill("BUY", "1", "2000", "0.001", "ETH")))).toBe(f("2"));
    expect(quoteFee(bookFill(fill("BUY", "1", "2000", "0.01", "BNB")))).toBe(0n);
    expect(otherCurrencyFee(bookFill(fill("BUY", "1", "2000", "0.01", "BNB")))).toBe(f("0.01"));
    expect(otherCurrencyFee(bookFill(fill("BUY", "1", "2000", "0.001", "ETH")))).toBe(0n);
  });

  it("averages, realizes, and opens the other side at the fill price on a flip", () => {
    const long = applyToPosition({ quantity: f("2"), averagePrice: f("100") }, f("1"), f("130"));
    expect(long).toEqual({ quantity: f("3"), averagePrice: f("110"), realized: 0n, closed: 0n });
    const flipped = applyToPosition(long, f("-5"), f("120"));
    expect(flipped).toEqual({ quantity: f("-2"), averagePrice: f("120"), realized: f("30"), closed: f("3") });
    const flat = applyToPosition(flipped, f("2"), f("125"));
    expect(flat).toEqual({ quantity: 0n, averagePrice: 0n, realized: f("-10"), closed: f("2") });
  });

  it("averages at full precision, rounding once", () => {
    expect(weightedAverage(0n, 0n, f("0.00000001"), f("12345.678901"))).toBe(f("12345.678901"));
    expect(weightedAverage(f("1"), f("0.000000001"), f("2"), f("0.000000002"))).toBe(f("0.000000002")); // 5/3 e-9 -> 2e-9
  });
});
