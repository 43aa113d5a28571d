import { describe, expect, it } from "bun:test";
import { floatDecimal, venueDecimal } from "./decimal.ts";

describe("venueDecimal", () => {
  it("strips the trailing zeros venues pad their strings with", () => {
    expect(venueDecimal("0.00100000")).toBe("0.001");
    expect(venueDecimal("25.35190000")).toBe("25.3519");
    expect(venueDecimal("100.00000000")).toBe("100");
    expect(venueDecimal("0.00000000")).toBe("0");
    expect(venueDecimal("0010")).toBe("10");
  });

  it("expands JSON numbers, exponent form included, without rounding", () => {
    expect(venueDecimal(1e-7)).toBe("0.0000001");
    expect(venueDecimal(152340000)).toBe("152340000");
    expect(venueDecimal(0.0015)).toBe("0.0015");
    expect(venueDecimal(1.5e21)).toBe("1500000000000000000000");
  });

  it("refuses what the contracts cannot hold exactly", () => {
    expect(() => venueDecimal("0.0000000001")).toThrow("more than 9 decimals");
    expect(() => venueDecimal("abc")).toThrow("not a decimal");
    expect(() => venueDecimal(Number.NaN)).toThrow("not a finite number");
  });
});

describe("floatDecimal", () => {
  it("keeps the shortest text of a double and rounds only past 9 decimals", () => {
    expect(floatDecimal(30925891.29839369)).toBe("30925891.29839369");
    expect(floatDecimal(49999000 * 0.0006 * 0.0005)).toBe("14.9997");
    expect(floatDecimal(0.0126713295)).toBe("0.01267133");
    expect(floatDecimal(31287000.0)).toBe("31287000");
  });
});
