import { describe, expect, it } from "bun:test";
import type { StrategyConfig, Tick } from "@jts/contracts";
import { MaCrossover } from "./ma-crossover.ts";

const config: StrategyConfig = {
  id: "ma",
  kind: "ma-crossover",
  account: "acc",
  symbol: "005930",
  venue: "sim",
  params: { fastPeriod: 2, slowPeriod: 4, quantity: "10" },
  enabled: true,
};
const tick = (price: number): Tick => ({
  symbol: "005930",
  venue: "sim",
  price: String(price),
  quantity: "1",
  aggressor: "BUY",
  tradeId: "t",
  tsEvent: "1",
});

describe("moving-average crossover", () => {
  it("buys when the fast average crosses above the slow one while flat", () => {
    const s = new MaCrossover(config);
    const intents = [100, 99, 98, 97, 96, 100, 104].map((p) => s.onTick(tick(p), 0n));
    expect(intents.filter(Boolean)).toHaveLength(1);
    expect(intents.at(-2) ?? intents.at(-1)).toMatchObject({ side: "BUY", quantity: "10" });
  });

  it("sells the whole position when the fast average crosses below", () => {
    const s = new MaCrossover(config);
    for (const p of [96, 97, 98, 99, 100]) s.onTick(tick(p), 0n);
    const intents = [95, 90].map((p) => s.onTick(tick(p), 7_000_000_000n));
    expect(intents.find(Boolean)).toMatchObject({ side: "SELL", quantity: "7" });
  });

  it("does nothing during warm-up or without a cross", () => {
    const s = new MaCrossover(config);
    expect([100, 101, 102, 103, 104, 105].map((p) => s.onTick(tick(p), 0n)).every((i) => i === null)).toBe(true);
  });

  it("refuses a fast period that is not shorter than the slow one", () => {
    expect(() => new MaCrossover({ ...config, params: { ...config.params, fastPeriod: 4 } })).toThrow("fastPeriod");
  });
});
