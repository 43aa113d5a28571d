import { DEFAULT_SLIPPAGE, walkBook } from "@jts/broker-paper";
import { type Fixed, fx } from "@jts/contracts";
import { type InstrumentSpec, tickSizeAt } from "@jts/kit";

export interface AffordInput {
  /** What the order asks for. */
  quantity: Fixed;
  /** Cash not held by other working buys, in the quote. */
  free: Fixed;
  /** The book the buy will take from: the best ask and the size at each level. */
  ask: Fixed;
  askSize: Fixed;
  takerFee: Fixed;
  spec: InstrumentSpec;
}

/**
 * The most of a MARKET buy a cash account can pay for: the largest lot
 * multiple, at most `quantity`, whose fills walking the paper venue's
 * synthetic book (the ask, then levels 5 bps worse, as the matching engine
 * fills it) cost no more than `free` with the taker fee. Cost grows with the
 * quantity, so a binary search over whole lots finds it.
 */
export function affordableBuy(input: AffordInput): Fixed {
  const { spec } = input;
  const cost = (quantity: Fixed) => {
    const takes = walkBook({
      side: "BUY",
      top: { price: input.ask, size: input.askSize, left: input.askSize },
      quantity,
      limit: null,
      tickAt: (price) => tickSizeAt(spec, price),
      lotSize: spec.lotSize,
      slippage: DEFAULT_SLIPPAGE,
    });
    let total = 0n;
    for (const take of takes) {
      const notional = fx.mul(take.price, take.quantity);
      total += notional + fx.mul(notional, input.takerFee);
    }
    return total;
  };
  if (cost(input.quantity) <= input.free) return input.quantity;
  const lot = spec.lotSize > 0n ? spec.lotSize : 1n;
  let low = 0n; // lots known affordable
  let high = input.quantity / lot; // lots known not (the whole order is not)
  while (high - low > 1n) {
    const mid = (low + high) / 2n;
    if (cost(mid * lot) <= input.free) low = mid;
    else high = mid;
  }
  return low * lot;
}
