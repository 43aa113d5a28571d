import { UnsignedDecimal } from "@jts/contracts";
import { t } from "elysia";
import type { StrategyContext, StrategyKindDefinition } from "../sdk/strategy.ts";
import { enterLong, exitLong, PriceStrategy } from "./price-strategy.ts";
import { RollingWindow } from "./rolling.ts";

export const MaCrossoverParams = t.Object(
  {
    fastPeriod: t.Integer({ minimum: 1, maximum: 500 }),
    slowPeriod: t.Integer({ minimum: 2, maximum: 2000 }),
    quantity: UnsignedDecimal,
  },
  { additionalProperties: false },
);
export type MaCrossoverParams = typeof MaCrossoverParams.static;

/**
 * Long-only moving-average crossover: buy `quantity` when the fast average
 * crosses above the slow one while flat, sell the whole position when it
 * crosses below.
 */
export class MaCrossover extends PriceStrategy<MaCrossoverParams> {
  private readonly fast: RollingWindow;
  private readonly slow: RollingWindow;
  private previousAbove: boolean | null = null;

  constructor(params: MaCrossoverParams) {
    super();
    this.fast = new RollingWindow(params.fastPeriod);
    this.slow = new RollingWindow(params.slowPeriod);
  }

  protected async onPrice(price: number, ctx: StrategyContext<MaCrossoverParams>) {
    this.fast.push(price);
    this.slow.push(price);
    if (!this.slow.full) return;
    const fast = this.fast.mean();
    const slow = this.slow.mean();
    if (fast === slow) return;
    const above = fast > slow;
    const crossed = this.previousAbove !== null && above !== this.previousAbove;
    this.previousAbove = above;
    if (!crossed) return;
    const why = `fast MA ${fast.toFixed(2)} crossed ${above ? "above" : "below"} slow MA ${slow.toFixed(2)}`;
    await (above ? enterLong(ctx, why) : exitLong(ctx, why));
  }

  snapshot() {
    return { fast: this.fast.snapshot(), slow: this.slow.snapshot(), previousAbove: this.previousAbove };
  }

  restore(state: unknown) {
    const s = state as { fast?: unknown; slow?: unknown; previousAbove?: unknown };
    this.fast.restore(s.fast);
    this.slow.restore(s.slow);
    this.previousAbove = typeof s.previousAbove === "boolean" ? s.previousAbove : null;
  }
}

export const maCrossoverKind: StrategyKindDefinition<MaCrossoverParams> = {
  kind: "ma-crossover",
  description: "Long when the fast moving average crosses above the slow one; flat when it crosses below.",
  params: MaCrossoverParams,
  check: (p) => (p.fastPeriod < p.slowPeriod ? [] : ["fastPeriod must be below slowPeriod"]),
  warmupBars: (p) => p.slowPeriod + 1,
  create: (p) => new MaCrossover(p),
};
