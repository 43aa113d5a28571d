import { type Fixed, fx, type Side } from "@jts/contracts";

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

/** `pct` percent as basis points, the unit the collar compares in. */
export function collarBps(pct: number): number {
  if (!Number.isFinite(pct) || pct < 0 || pct > 1000)
    throw new Error(`priceCollarPct must be a number from 0 (off) to 1000, not ${pct}`);
  return Math.round(pct * 100);
}

/**
 * One symbol's market as the checks use it, computed once per change of the
 * last trade or best ask (the hot path then compares, it does not multiply).
 * The engine drops it whenever either moves.
 */
export interface MarketView {
  /** The last trade it was computed from. */
  readonly last: Fixed | undefined;
  /** The higher of the last trade and the best ask; -1 when neither is known. */
  readonly reference: Fixed;
  /** `reference` times the slippage band: what an unpriced buy may pay. */
  readonly buyReference: Fixed;
  /** Prices inside [low, high] pass the collar (no bounds without a last trade or with the collar off). */
  readonly low: Fixed;
  readonly high: Fixed;
}

export function marketView(
  last: Fixed | undefined,
  ask: Fixed | undefined,
  slippageFactor: Fixed,
  bps: number,
): MarketView {
  let reference = -1n;
  if (last !== undefined) reference = last;
  if (ask !== undefined && ask > reference) reference = ask;
  const collared = bps > 0 && last !== undefined && last > 0n;
  const width = collared ? (last * BigInt(bps)) / 10_000n : 0n;
  return {
    last,
    reference,
    buyReference: reference < 0n ? -1n : fx.mul(reference, slippageFactor),
    low: collared ? last - width : -1n,
    high: collared ? last + width : -1n,
  };
}

/** Whether `price` lies outside the view's collar; the percent off to report, or null inside it (or without one). */
export function outsideCollar(view: MarketView, price: Fixed): number | null {
  if (view.high < 0n || (price >= view.low && price <= view.high)) return null;
  const last = view.last as Fixed;
  const off = price > last ? price - last : last - price;
  return Number((off * 10_000n) / last) / 100;
}

/** What `orderValue` found; one instance reused by the engine, so a check allocates nothing for it. */
export interface Valuation {
  value: Fixed;
  /** Whether a market price (last trade or best ask) is known. */
  marketKnown: boolean;
}

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
 *   priced buy never pays more; a STOP_MARKET sell triggers at or below its
 *   stop). False (refuse: NO_PRICE) where nothing does: a MARKET order, a
 *   STOP_MARKET buy (it fills at any price above its stop). A sell that opens
 *   or extends a short is refused by the caller with no market, whatever its
 *   price: its liability is the market price.
 */
export function orderValue(
  out: Valuation,
  view: MarketView,
  side: Side,
  limitPrice: Fixed | null,
  stopPrice: Fixed | null,
  slippageFactor: Fixed,
): boolean {
  out.marketKnown = view.reference >= 0n;
  if (limitPrice !== null) {
    out.value = limitPrice > view.reference ? limitPrice : view.reference;
    return true;
  }
  if (stopPrice === null || stopPrice <= view.reference) {
    if (!out.marketKnown) return false;
    out.value = side === "BUY" ? view.buyReference : view.reference;
    return true;
  }
  // A stop beyond the market: it trades from the stop on.
  if (side === "BUY") {
    if (!out.marketKnown) return false;
    out.value = fx.mul(stopPrice, slippageFactor);
    return true;
  }
  out.value = stopPrice;
  return true;
}
