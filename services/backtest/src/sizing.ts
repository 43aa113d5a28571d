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
  /** The band (bps) risk reserves a MARKET buy's cash at over the price: % of equity leaves room for it. */
  reserveBps?: number;
}

/** The quantity to send, or why nothing is sent. */
export type Sized = { quantity: Fixed } | { refused: string };

/**
 * Splits an order into the part that closes the position and the part that
 * opens (or adds to) one, drops a short opening in long-only mode, and sizes
 * the opening part by `sizing`, rounded down to the lot. % of equity leaves
 * room for the taker fee and for the band risk reserves a MARKET buy at
 * (`reserveBps`, the backtest's slippage), so a 100% entry of a cash account
 * passes risk's cash check with exactly the cash it has.
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

function entrySize({ price, equity, spec, reserveBps = 0 }: SizingInput, sizing: Sizing): Fixed | null {
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
      // Risk's reckoning, to the rounding: cost = price x (1 + band) x quantity, needed = cost + the taker fee on it.
      const reserved = fx.mul(price, fx.SCALE + (BigInt(Math.ceil(reserveBps)) * fx.SCALE) / 10_000n);
      const needed = (quantity: Fixed) => {
        const cost = fx.mul(reserved, quantity);
        return cost + fx.mul(cost, spec.takerFee);
      };
      const perUnit = reserved + fx.mul(reserved, spec.takerFee);
      if (perUnit <= 0n || budget <= 0n) return 0n;
      // Rounded down (a rounded-up quotient can buy one lot more than the budget pays), then a lot less while
      // risk's rounding still finds it short.
      let quantity = lot((budget * fx.SCALE) / perUnit);
      while (quantity > 0n && spec.lotSize > 0n && needed(quantity) > budget) quantity = lot(quantity - spec.lotSize);
      return quantity;
    }
  }
}
