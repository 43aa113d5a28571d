import { describe, expect, it } from "bun:test";
import { DecimalError, div, floorTo, fromFixed, isMultipleOf, mul, toFixed } from "./decimal.ts";

describe("fixed-point decimals", () => {
  it("round-trips decimal strings exactly", () => {
    for (const s of ["0", "1", "0.1", "152340000", "0.00000001", "-12.5", "123456789012.123456789"]) {
      expect(fromFixed(toFixed(s))).toBe(s);
    }
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
    for (const bad of ["", "abc", "1e5", "+1", "1.", ".5", "NaN", "0.0000000001", "1.0000000000"]) {
      expect(() => toFixed(bad)).toThrow(DecimalError);
    }
  });

  it("checks and floors to tick and lot sizes", () => {
    expect(isMultipleOf(toFixed("152341000"), toFixed("1000"))).toBe(true);
    expect(isMultipleOf(toFixed("152341500"), toFixed("1000"))).toBe(false);
    expect(fromFixed(floorTo(toFixed("0.123456789"), toFixed("0.0001")))).toBe("0.1234");
  });
});
