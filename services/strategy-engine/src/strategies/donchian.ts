import { UnsignedDecimal } from "@jts/contracts";
import { t } from "elysia";
import type { StrategyContext, StrategyKindDefinition } from "../sdk/strategy.ts";
import { enterLong, exitLong, PriceStrategy } from "./price-strategy.ts";
import { RollingWindow } from "./rolling.ts";

export const DonchianParams = t.Object(
  {
    /** Breakout above the highest price of this many previous prices enters. */
    entryPeriod: t.Integer({ minimum: 2, maximum: 2000 }),
    /** Break below the lowest price of this many previous prices exits. */
    exitPeriod: t.Integer({ minimum: 2, maximum: 2000 }),
    quantity: UnsignedDecimal,
  },
  { additionalProperties: false },
);
export type DonchianParams = typeof DonchianParams.static;

/** Donchian channel breakout (the Turtle rule), long only. */
export class Donchian extends PriceStrategy<DonchianParams> {
  private readonly entry: RollingWindow;
  private readonly exit: RollingWindow;

  constructor(params: DonchianParams) {
    super();
    this.entry = new RollingWindow(params.entryPeriod);
    this.exit = new RollingWindow(params.exitPeriod);
  }

  protected async onPrice(price: number, ctx: StrategyContext<DonchianParams>) {
    if (this.entry.full && price > this.entry.max())
      await enterLong(ctx, `price ${price} broke above the ${this.entry.size}-period high ${this.entry.max()}`);
    else if (this.exit.full && price < this.exit.min())
      await exitLong(ctx, `price ${price} broke below the ${this.exit.size}-period low ${this.exit.min()}`);
    this.entry.push(price);
    this.exit.push(price);
  }

  snapshot() {
    return { entry: this.entry.snapshot(), exit: this.exit.snapshot() };
  }

  restore(state: unknown) {
    const s = state as { entry?: unknown; exit?: unknown };
    this.entry.restore(s.entry);
    this.exit.restore(s.exit);
  }
}

export const donchianKind: StrategyKindDefinition<DonchianParams> = {
  kind: "donchian",
  description: "Breakout: long above the entry-period high, flat below the exit-period low.",
  params: DonchianParams,
  warmupBars: (p) => Math.max(p.entryPeriod, p.exitPeriod),
  create: (p) => new Donchian(p),
};
