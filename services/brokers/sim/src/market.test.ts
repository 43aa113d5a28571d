import { describe, expect, it } from "bun:test";
import { fx } from "@jts/contracts";
import { SIM_INSTRUMENTS } from "@jts/kit";
import { SimMarket } from "./market.ts";

const steps = (seed: number, n: number) => {
  const market = new SimMarket(SIM_INSTRUMENTS, seed);
  return Array.from({ length: n }, (_, i) => market.step(BigInt(i)));
};

describe("sim market", () => {
  it("replays the same market for the same seed and another for another seed", () => {
    expect(steps(7, 50)).toEqual(steps(7, 50));
    expect(steps(7, 50)).not.toEqual(steps(8, 50));
  });

  it("quotes BTC-KRW, ETH-KRW and 005930 on their tick grid with ask above bid", () => {
    for (const step of steps(1, 500).flat()) {
      const instrument = SIM_INSTRUMENTS.find((i) => i.symbol === step.quote.symbol)!;
      const tick = fx.toFixed(instrument.tickSize);
      const bid = fx.toFixed(step.quote.bid);
      const ask = fx.toFixed(step.quote.ask);
      expect(ask).toBeGreaterThan(bid);
      expect(bid % tick).toBe(0n);
      expect(ask % tick).toBe(0n);
      for (const tickEvent of step.ticks) {
        expect([step.quote.bid, step.quote.ask]).toContain(tickEvent.price);
        expect(fx.toFixed(tickEvent.quantity) % fx.toFixed(instrument.lotSize)).toBe(0n);
      }
    }
    expect(new Set(steps(1, 1)[0]!.map((s) => s.quote.symbol))).toEqual(new Set(["BTC-KRW", "ETH-KRW", "005930"]));
  });

  it("prints bursts of several trades on some steps", () => {
    const counts = steps(3, 2000)
      .flat()
      .map((s) => s.ticks.length);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(5);
    expect(counts.filter((c) => c === 1).length).toBeGreaterThan(counts.length * 0.9);
  });
});
