import { type Fixed, fx, type OrderType, type Side } from "@jts/contracts";

/**
 * Default price collar: a LIMIT or STOP price more than 30% from the last trade
 * is refused. 30% is KRX's own daily price limit (±30% of the previous close),
 * so no price KRX would take in an ordinary day is refused for being far from
 * the market, while a typo (a stop of 1, a sell at 1, a price with one zero too
 * many) is. Binance's PERCENT_PRICE_BY_SIDE filter is wider (0.2x to 5x the
 * average price) because it is the exchange's sanity bound, not a fat-finger
 * check; an operator trading wide crypto grids raises this.
 */
export const DEFAULT_PRICE_COLLAR_PCT = 30;

/**
 * What an order is worth for the notional, position and gross-exposure
 * limits: the worst (highest) price it can trade at or leave a position worth.
 * - The market reference is the higher of the last trade and the best ask: a
 *   buy pays the ask, and a short is bought back at the ask.
 * - A LIMIT or STOP_LIMIT order: the higher of its price and the market. A buy
 *   never pays more than its price, and a marketable one fills at the market;
 *   a sell fills at its price or better, so a SELL LIMIT @ 1 sells at the
 *   market and is worth the market, not 1. No band: the price is a cap.
 * - A MARKET or STOP_MARKET order: the higher of the stop price and the market;
 *   for a buy times the slippage band (it takes whatever the book asks).
 * - No market price known: the order's own price where that bounds it (a
 *   priced buy: it never pays more; a STOP_MARKET sell: it triggers at or
 *   below its stop), flagged `bounded: false` otherwise (a MARKET order, a
 *   STOP_MARKET buy: it fills at any price above its stop). The caller refuses
 *   unbounded values, and sells that open or extend a short with no market
 *   (their liability is the market price, whatever their own).
 */
export function orderValue(
  side: Side,
  type: OrderType,
  limitPrice: Fixed | null,
  stopPrice: Fixed | null,
  last: Fixed | undefined,
  ask: Fixed | undefined,
  slippageFactor: Fixed,
): { value: Fixed; marketKnown: boolean; bounded: boolean } | null {
  let reference = -1n;
  if (last !== undefined) reference = last;
  if (ask !== undefined && ask > reference) reference = ask;
  const marketKnown = reference >= 0n;
  if (limitPrice !== null) {
    return { value: limitPrice > reference ? limitPrice : reference, marketKnown, bounded: true };
  }
  if (stopPrice !== null && stopPrice > reference) reference = stopPrice;
  if (reference < 0n) return null;
  const value = side === "BUY" ? fx.mul(reference, slippageFactor) : reference;
  return { value, marketKnown, bounded: marketKnown || (side === "SELL" && type === "STOP_MARKET") };
}

/** `pct` percent as basis points, the unit the collar compares in. */
export function collarBps(pct: number): number {
  if (!Number.isFinite(pct) || pct < 0 || pct > 1000)
    throw new Error(`priceCollarPct must be a number from 0 (off) to 1000, not ${pct}`);
  return Math.round(pct * 100);
}

/**
 * Whether `price` lies more than `bps` basis points from `last` (either side):
 * the percent off to report, or null inside the collar (or with it off).
 */
export function outsideCollar(price: Fixed, last: Fixed, bps: number): number | null {
  if (bps === 0 || last <= 0n) return null;
  const off = price > last ? price - last : last - price;
  if (off * 10_000n <= last * BigInt(bps)) return null;
  return Number((off * 10_000n) / last) / 100;
}
