import { describe, expect, it } from "bun:test";
import { fx, type Instrument } from "@jts/contracts";
import { InstrumentCatalog } from "./instruments.ts";
import { KRX_STOCK_TICKS, tickAt, tickSizeAt, tickSpecOf, tickTableFor, UPBIT_KRW_TICKS } from "./ticks.ts";

const tick = (table: typeof KRX_STOCK_TICKS, price: string) => fx.fromFixed(tickAt(table, fx.toFixed(price)));

describe("tick tables", () => {
  it("follows KRX's stock price bands (since 2023-01-25), each lower bound inclusive", () => {
    const cases: Array<[string, string]> = [
      ["1", "1"],
      ["1999", "1"],
      ["2000", "5"],
      ["4995", "5"],
      ["5000", "10"],
      ["19990", "10"],
      ["20000", "50"],
      ["49950", "50"],
      ["50000", "100"],
      ["199900", "100"],
      ["200000", "500"],
      ["499500", "500"],
      ["500000", "1000"],
      ["1500000", "1000"],
    ];
    for (const [price, expected] of cases) expect([price, tick(KRX_STOCK_TICKS, price)]).toEqual([price, expected]);
  });

  it("follows Upbit's KRW market bands (table of 2025-07-31)", () => {
    const cases: Array<[string, string]> = [
      ["150000000", "1000"],
      ["2000000", "1000"],
      ["1000000", "1000"],
      ["999500", "500"],
      ["500000", "500"],
      ["100000", "100"],
      ["99950", "50"],
      ["50000", "50"],
      ["10000", "10"],
      ["9995", "5"],
      ["5000", "5"],
      ["1000", "1"],
      ["100", "1"],
      ["99.99", "0.01"],
      ["1", "0.001"],
      ["0.5", "0.0001"],
      ["0.00005", "0.00000001"],
    ];
    for (const [price, expected] of cases) expect([price, tick(UPBIT_KRW_TICKS, price)]).toEqual([price, expected]);
  });

  it("gives KRX stocks and KRW crypto their tables and leaves other quotes on the flat tick", () => {
    const catalog = new InstrumentCatalog();
    const samsung = catalog.spec("005930");
    const btc = catalog.spec("BTC-KRW");
    expect(samsung?.ticks).toBe(KRX_STOCK_TICKS);
    expect(btc?.ticks).toBe(UPBIT_KRW_TICKS);
    expect(fx.fromFixed(tickSizeAt(samsung as NonNullable<typeof samsung>, fx.toFixed("19000")))).toBe("10");
    // The same rule from the instrument alone, as the PWA's ticket applies it.
    const samsungTicks = tickSpecOf(samsung?.instrument as Instrument);
    expect(fx.fromFixed(tickSizeAt(samsungTicks, fx.toFixed("49950")))).toBe("50");
    const usdt: Instrument = {
      ...(btc?.instrument as Instrument),
      symbol: "BTC-USDT",
      quote: "USDT",
      venue: "binance",
    };
    expect(tickTableFor(usdt)).toBeNull();
    const flat = new InstrumentCatalog([{ ...usdt, tickSize: "0.01" }]).spec("BTC-USDT");
    expect(fx.fromFixed(tickSizeAt(flat as NonNullable<typeof flat>, fx.toFixed("90000")))).toBe("0.01");
  });
});
