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

/**
 * Sell the whole long position, if any. Where shorts are allowed the same
 * signal also opens a short of `quantity` (from flat too): long/short reverses.
 */
export async function exitLong(ctx: StrategyContext<{ quantity: string }>, reason: string): Promise<void> {
  const position = ctx.position();
  const short = ctx.shortsAllowed && position >= 0n ? fx.toFixed(ctx.params.quantity) : 0n;
  const quantity = fx.max(0n, position) + short;
  if (quantity > 0n) await ctx.submit({ side: "SELL", quantity: fx.fromFixed(quantity), reason });
}

/** Buy `quantity` when flat; where shorts are allowed, also when short, covering it in the same order. */
export async function enterLong(ctx: StrategyContext<{ quantity: string }>, reason: string): Promise<void> {
  const position = ctx.position();
  if (position === 0n) await ctx.submit({ side: "BUY", quantity: ctx.params.quantity, reason });
  else if (position < 0n && ctx.shortsAllowed)
    await ctx.submit({ side: "BUY", quantity: fx.fromFixed(fx.toFixed(ctx.params.quantity) - position), reason });
}
