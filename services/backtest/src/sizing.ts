import { type Fixed, fx, type Side } from "@jts/contracts";
import type { InstrumentSpec } from "@jts/kit";

/**
 * How big an entry is: the strategy's own `quantity` parameter, a fixed
 * quantity, a fixed notional, or a share of equity. Exits are never resized:
 * the part of an order that closes a position keeps the size that closes it.
 */
export type Sizing =
  | { mode: "params" }
  | { mode: "quantity"; quantity: string }
  | { mode: "notional"; notional: string }
  | { mode: "equity"; percent: string };

export type Direction = "long-only" | "long-short";

export interface SizingInput {
  side: Side;
  /** What the strategy asked for. */
  quantity: Fixed;
  /** The strategy's position before the order. */
  position: Fixed;
  /** The price the decision was made at, and equity (cash + position at that price). */
  price: Fixed;
  equity: Fixed;
  spec: InstrumentSpec;
}

/** The quantity to send, or why nothing is sent. */
export type Sized = { quantity: Fixed } | { refused: string };

/**
 * Splits an order into the part that closes the position and the part that
 * opens (or adds to) one, drops a short opening in long-only mode, and sizes
 * the opening part by `sizing`, rounded down to the lot. % of equity leaves
 * room for the taker fee, so a 100% cash account can still pay it.
 */
export function sizeOrder(input: SizingInput, sizing: Sizing, direction: Direction): Sized {
  const { side, position, spec } = input;
  const opposite = position !== 0n && position > 0n !== (side === "BUY");
  const closing = opposite ? fx.min(input.quantity, fx.abs(position)) : 0n;
  let opening = input.quantity - closing;
  if (opening > 0n && direction === "long-only" && side === "SELL") {
    if (closing === 0n) return { refused: "long-only: a sell with no long position to close would open a short" };
    opening = 0n;
  }
  if (opening > 0n) {
    opening = entrySize(input, sizing) ?? opening;
    if (closing === 0n && opening < spec.minQuantity)
      return {
        refused: `sizing gives ${fx.fromFixed(opening)}, below the minimum quantity ${spec.instrument.minQuantity} of ${spec.instrument.symbol}`,
      };
    if (opening < spec.minQuantity) opening = 0n;
  }
  return { quantity: closing + opening };
}

function entrySize({ price, equity, spec }: SizingInput, sizing: Sizing): Fixed | null {
  const lot = (value: Fixed) => fx.floorTo(fx.max(0n, value), spec.lotSize);
  switch (sizing.mode) {
    case "params":
      return null;
    case "quantity":
      return lot(fx.toFixed(sizing.quantity));
    case "notional":
      return price > 0n ? lot(fx.div(fx.toFixed(sizing.notional), price)) : 0n;
    case "equity": {
      const budget = fx.div(fx.mul(equity, fx.toFixed(sizing.percent)), fx.toFixed("100"));
      const perUnit = price + fx.mul(price, spec.takerFee);
      return perUnit > 0n ? lot(fx.div(budget, perUnit)) : 0n;
    }
  }
}
