import { type Candle, fx, type StrategyParams, type Tick } from "@jts/contracts";
import type { Strategy, StrategyContext } from "../sdk/strategy.ts";

/**
 * Built-ins read one price series: trade prices from ticks, or closes from
 * candles, depending on the timeframe the engine feeds them.
 */
export abstract class PriceStrategy<P = StrategyParams> implements Strategy<P> {
  protected abstract onPrice(price: number, ctx: StrategyContext<P>): Promise<void>;

  onTick(tick: Tick, ctx: StrategyContext<P>) {
    return this.onPrice(fx.toNumber(fx.toFixed(tick.price)), ctx);
  }

  onCandle(candle: Candle, ctx: StrategyContext<P>) {
    return this.onPrice(fx.toNumber(fx.toFixed(candle.close)), ctx);
  }
}

/** Sell the whole long position, if any. */
export async function exitLong(ctx: StrategyContext<{ quantity: string }>, reason: string): Promise<void> {
  const position = ctx.position();
  if (position > 0n) await ctx.submit({ side: "SELL", quantity: fx.fromFixed(position), reason });
}

/** Buy `quantity` when flat. */
export async function enterLong(ctx: StrategyContext<{ quantity: string }>, reason: string): Promise<void> {
  if (ctx.position() === 0n) await ctx.submit({ side: "BUY", quantity: ctx.params.quantity, reason });
}
