import { type ExecutionReport, fx, type Instrument, type Order, type Quote } from "@jts/contracts";

export interface BestPrices {
  bid: bigint;
  ask: bigint;
}

export interface FillTerms {
  price: bigint;
  liquidity: "MAKER" | "TAKER";
}

/**
 * Whether and at what price an order trades against the current best prices.
 * MARKET takes the opposite best; a LIMIT that crosses takes the opposite best
 * (never worse than its limit); a resting LIMIT fills at its own price once
 * the opposite best reaches it, as a maker.
 */
export function marketableTerms(order: Order, best: BestPrices): FillTerms | null {
  const opposite = order.side === "BUY" ? best.ask : best.bid;
  if (order.type === "MARKET") return { price: opposite, liquidity: "TAKER" };
  const limit = fx.toFixed(order.price as string);
  const crosses = order.side === "BUY" ? opposite <= limit : opposite >= limit;
  return crosses ? { price: opposite, liquidity: "TAKER" } : null;
}

export function restingTerms(order: Order, best: BestPrices): FillTerms | null {
  const limit = fx.toFixed(order.price as string);
  const reached = order.side === "BUY" ? best.ask <= limit : best.bid >= limit;
  return reached ? { price: limit, liquidity: "MAKER" } : null;
}

export function bestFromQuote(quote: Quote): BestPrices {
  return { bid: fx.toFixed(quote.bid), ask: fx.toFixed(quote.ask) };
}

/** The fill report for the order's whole remaining quantity, fee in the quote currency. */
export function fillReport(
  order: Order,
  instrument: Instrument,
  terms: FillTerms,
  fillId: string,
  tsEvent: string,
): ExecutionReport {
  const quantity = fx.toFixed(order.quantity) - fx.toFixed(order.filledQuantity);
  const rate = fx.toFixed(terms.liquidity === "MAKER" ? instrument.makerFee : instrument.takerFee);
  const fee = fx.mul(fx.mul(terms.price, quantity), rate);
  return {
    orderId: order.id,
    account: order.account,
    venue: order.venue,
    symbol: order.symbol,
    side: order.side,
    kind: "FILL",
    fill: {
      fillId,
      price: fx.fromFixed(terms.price),
      quantity: fx.fromFixed(quantity),
      fee: fx.fromFixed(fee < 0n ? -fee : fee),
      feeCurrency: instrument.quote,
      liquidity: terms.liquidity,
    },
    reason: null,
    tsEvent,
  };
}
