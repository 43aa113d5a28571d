import { describe, expect, it } from "bun:test";
import { DecimalError, div, floorTo, fromFixed, isMultipleOf, mul, toFixed } from "./decimal.ts";

describe("fixed-point decimals", () => {
  it("round-trips decimal strings exactly", () => {
    for (const s of ["0", "1", "0.1", "152340000", "0.00000001", "-12.5", "123456789012.123456789"]) {
      expect(fromFixed(toFixed(s))).toBe(s);
    }
  });

  it("parses and formats across the double-exact boundary and at 20 whole digits", () => {
    expect(toFixed("9007198.999999999")).toBe(9007198999999999n);
    expect(toFixed("9007199.254740993")).toBe(9007199254740993n);
    expect(toFixed("12345678901234567890.5")).toBe(12345678901234567890500000000n);
    expect(toFixed("-0.000000005")).toBe(-5n);
    expect(toFixed("1.50")).toBe(1500000000n);
    expect(fromFixed(-5n)).toBe("-0.000000005");
    expect(fromFixed(152340000n * 10n ** 9n + 120000000n)).toBe("152340000.12");
    expect(fromFixed(12345678901234567890500000000n)).toBe("12345678901234567890.5");
    expect(fromFixed(0n)).toBe("0");
  });

  it("adds 0.1 and 0.2 to exactly 0.3", () => {
    expect(fromFixed(toFixed("0.1") + toFixed("0.2"))).toBe("0.3");
  });

  it("multiplies price by quantity without losing a won", () => {
    expect(fromFixed(mul(toFixed("152340000"), toFixed("0.0015")))).toBe("228510");
    expect(fromFixed(mul(toFixed("71200"), toFixed("37")))).toBe("2634400");
  });

  it("divides with half-away-from-zero rounding at nine decimals", () => {
    expect(fromFixed(div(toFixed("1"), toFixed("3")))).toBe("0.333333333");
    expect(fromFixed(div(toFixed("2"), toFixed("3")))).toBe("0.666666667");
    expect(fromFixed(div(toFixed("-2"), toFixed("3")))).toBe("-0.666666667");
  });

  it("refuses malformed input and excess precision", () => {
    for (const bad of [
      "",
      "abc",
      "1e5",
      "+1",
      "1.",
      ".5",
      "NaN",
      "0.0000000001",
      "1.0000000000",
      "-",
      " 1",
      "1 ",
      "1.2.3",
      "123456789012345678901",
    ]) {
      expect(() => toFixed(bad)).toThrow(DecimalError);
    }
    // Bad input from a wire payload that skipped its schema: refused the same way, not a TypeError.
    for (const bad of [null, undefined, 12, {}]) expect(() => toFixed(bad as unknown as string)).toThrow(DecimalError);
  });

  it("checks and floors to tick and lot sizes", () => {
    expect(isMultipleOf(toFixed("152341000"), toFixed("1000"))).toBe(true);
    expect(isMultipleOf(toFixed("152341500"), toFixed("1000"))).toBe(false);
    expect(fromFixed(floorTo(toFixed("0.123456789"), toFixed("0.0001")))).toBe("0.1234");
  });
});
