import { fx, type StrategyConfig, type Tick } from "@jts/contracts";
import type { Strategy, StrategyIntent } from "./strategy.ts";

/** A simple moving average over the last `period` values, O(1) per update. */
class RollingMean {
  private readonly values: number[] = [];
  private sum = 0;
  constructor(private readonly period: number) {}
  push(value: number): number | null {
    this.values.push(value);
    this.sum += value;
    if (this.values.length > this.period) this.sum -= this.values.shift() as number;
    return this.values.length === this.period ? this.sum / this.period : null;
  }
}

/**
 * Long-only moving-average crossover on trade prices: buy `quantity` when the
 * fast average crosses above the slow one while flat, sell the whole position
 * when it crosses below. Averages use floats, which is fine for a signal;
 * quantities stay decimal strings.
 */
export class MaCrossover implements Strategy {
  private readonly fast: RollingMean;
  private readonly slow: RollingMean;
  private previousAbove: boolean | null = null;

  constructor(readonly config: StrategyConfig) {
    if (config.params.fastPeriod >= config.params.slowPeriod) throw new Error("fastPeriod must be below slowPeriod");
    this.fast = new RollingMean(config.params.fastPeriod);
    this.slow = new RollingMean(config.params.slowPeriod);
  }

  onTick(tick: Tick, position: bigint): StrategyIntent | null {
    const price = fx.toNumber(fx.toFixed(tick.price));
    const fast = this.fast.push(price);
    const slow = this.slow.push(price);
    if (fast === null || slow === null || fast === slow) return null;
    const above = fast > slow;
    const crossed = this.previousAbove !== null && above !== this.previousAbove;
    this.previousAbove = above;
    if (!crossed) return null;
    if (above && position === 0n) {
      return {
        side: "BUY",
        quantity: this.config.params.quantity,
        reason: `fast MA ${fast.toFixed(0)} crossed above slow MA ${slow.toFixed(0)}`,
      };
    }
    if (!above && position > 0n) {
      return {
        side: "SELL",
        quantity: fx.fromFixed(position),
        reason: `fast MA ${fast.toFixed(0)} crossed below slow MA ${slow.toFixed(0)}`,
      };
    }
    return null;
  }
}
