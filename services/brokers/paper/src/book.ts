import { fx, type Side } from "@jts/contracts";

/** The synthetic book a taker walks: the top of book repeated `levels` times, each `bpsPerLevel` worse. */
export interface SlippageModel {
  bpsPerLevel: number;
  levels: number;
}

export const DEFAULT_SLIPPAGE: SlippageModel = { bpsPerLevel: 5, levels: 10 };

export interface TopOfBook {
  /** The opposite best price the taker trades against. */
  price: bigint;
  /** The size quoted at each level. */
  size: bigint;
  /** What is left at the best level after our own earlier takers (at most `size`). */
  left: bigint;
}

export interface Take {
  price: bigint;
  quantity: bigint;
  level: number;
}

export interface WalkInput {
  side: Side;
  top: TopOfBook;
  quantity: bigint;
  /** Worst acceptable price (the order's limit); null for MARKET. */
  limit: bigint | null;
  /** The tick at a price (its band's, for KRX and Upbit KRW). */
  tickAt: (price: bigint) => bigint;
  lotSize: bigint;
  slippage: SlippageModel;
}

/**
 * The fills a taker of `quantity` gets: level k trades at top.price moved
 * k x bpsPerLevel against the taker (rounded to the tick, away from the taker's
 * favour), with top.size at every level (top.left at the best). Stops at the limit, at the last level,
 * or when the quantity is done. Quantities are rounded down to the lot size.
 */
export function walkBook(input: WalkInput): Take[] {
  const { side, top, limit, tickAt, lotSize, slippage } = input;
  const takes: Take[] = [];
  let remaining = input.quantity;
  const bpsScaled = BigInt(Math.round(slippage.bpsPerLevel * 100)); // basis points x 100
  for (let level = 0; level < slippage.levels && remaining > 0n; level++) {
    // The best level trades at the top price itself: no BigInt arithmetic for the usual one-level take.
    const shift = level === 0 ? 0n : (top.price * bpsScaled * BigInt(level)) / 1_000_000n;
    const raw = side === "BUY" ? top.price + shift : top.price - shift;
    const price = roundToTick(raw, tickAt(raw), side);
    if (price <= 0n) break;
    if (limit !== null && (side === "BUY" ? price > limit : price < limit)) break;
    const quantity = fx.floorTo(fx.min(remaining, level === 0 ? top.left : top.size), lotSize);
    if (quantity <= 0n) continue;
    takes.push({ price, quantity, level });
    remaining -= quantity;
  }
  return takes;
}

/** A buyer pays the next tick up, a seller gets the next tick down. */
function roundToTick(price: bigint, tick: bigint, side: Side): bigint {
  if (tick <= 0n) return price;
  const rest = price % tick;
  if (rest === 0n) return price;
  return side === "BUY" ? price - rest + tick : price - rest;
}
