import { UnsignedDecimal } from "@jts/contracts";
import { t } from "elysia";
import type { StrategyContext, StrategyKindDefinition } from "../sdk/strategy.ts";
import { enterLong, exitLong, PriceStrategy } from "./price-strategy.ts";
import { RollingWindow } from "./rolling.ts";

export const BollingerParams = t.Object(
  {
    period: t.Integer({ minimum: 2, maximum: 2000 }),
    /** Band width in standard deviations. */
    width: t.Number({ exclusiveMinimum: 0, maximum: 10 }),
    quantity: UnsignedDecimal,
  },
  { additionalProperties: false },
);
export type BollingerParams = typeof BollingerParams.static;

/**
 * Bollinger mean reversion, long only: buy when the price closes below the
 * lower band (mean - width x stddev of the last `period` prices) while flat,
 * sell everything when it reverts to the mean or above.
 * The bands are computed from the prices before the current one, so a jump
 * is measured against where the market was, not against itself.
 */
export class Bollinger extends PriceStrategy<BollingerParams> {
  private readonly window: RollingWindow;

  constructor(private readonly params: BollingerParams) {
    super();
    this.window = new RollingWindow(params.period);
  }

  protected async onPrice(price: number, ctx: StrategyContext<BollingerParams>) {
    if (this.window.full) {
      const mean = this.window.mean();
      const lower = mean - this.params.width * this.window.stdDev();
      if (price < lower) await enterLong(ctx, `price ${price} below the lower band ${lower.toFixed(2)}`);
      else if (price >= mean) await exitLong(ctx, `price ${price} back at the mean ${mean.toFixed(2)}`);
    }
    this.window.push(price);
  }

  snapshot() {
    return { window: this.window.snapshot() };
  }

  restore(state: unknown) {
    this.window.restore((state as { window?: unknown }).window);
  }
}

export const bollingerKind: StrategyKindDefinition<BollingerParams> = {
  kind: "bollinger",
  description: "Mean reversion: long below the lower Bollinger band, flat at the mean.",
  params: BollingerParams,
  warmupBars: (p) => p.period,
  create: (p) => new Bollinger(p),
};
