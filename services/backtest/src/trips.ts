import { type Fill, type Fixed, fx } from "@jts/contracts";

/** One round trip: from flat to flat (or to a flip), however many fills it took. */
export interface RoundTrip {
  side: "LONG" | "SHORT";
  entryTs: string;
  /** The fill that brought the position back to flat (or flipped it); null while open. */
  exitTs: string | null;
  /** Quantity opened over the trip (adds included). */
  quantity: string;
  /** Volume-weighted price of the fills that opened or added. */
  entryPrice: string;
  /** Volume-weighted price of the fills that closed; null before the first. */
  exitPrice: string | null;
  fees: string;
  /** Net of every fee the trip paid; an open trip is marked at the last price. */
  pnl: string;
  /** pnl over the entry notional, in percent. */
  returnPct: number;
  fills: number;
  open: boolean;
}

interface Building {
  sign: 1n | -1n;
  entryTs: string;
  openedQty: Fixed;
  openedNotional: Fixed;
  closedQty: Fixed;
  closedNotional: Fixed;
  /** Sells add, buys subtract: flat to flat, this minus fees is the P&L. */
  cash: Fixed;
  fees: Fixed;
  fills: number;
}

/**
 * Groups fills into round trips. A fill that closes part of a trip and opens
 * the other side splits, its fee shared by quantity; a trip closed in three
 * partial fills is one trip. The same fills always give the same trips.
 */
export function roundTrips(fills: readonly Fill[], lastPrice: Fixed | null): RoundTrip[] {
  const trips: RoundTrip[] = [];
  let position = 0n;
  let trip: Building | null = null;
  for (const fill of fills) {
    const quantity = fx.toFixed(fill.quantity);
    const price = fx.toFixed(fill.price);
    const fee = fx.toFixed(fill.fee);
    const sign = fill.side === "BUY" ? 1n : -1n;
    const flow = (qty: Fixed) => -sign * fx.mul(qty, price);
    let closing = 0n;
    let closingFee = 0n;
    if (trip && position !== 0n && position > 0n !== sign > 0n) {
      closing = fx.min(quantity, fx.abs(position));
      closingFee = closing === quantity ? fee : fx.div(fx.mul(fee, closing), quantity);
      trip.closedQty += closing;
      trip.closedNotional += fx.mul(closing, price);
      trip.cash += flow(closing);
      trip.fees += closingFee;
      trip.fills++;
      position += sign * closing;
      if (position === 0n) {
        trips.push(finish(trip, fill.tsEvent, 0n, null));
        trip = null;
      }
    }
    const opening = quantity - closing;
    if (opening === 0n) continue;
    trip ??= {
      sign,
      entryTs: fill.tsEvent,
      openedQty: 0n,
      openedNotional: 0n,
      closedQty: 0n,
      closedNotional: 0n,
      cash: 0n,
      fees: 0n,
      fills: 0,
    };
    trip.openedQty += opening;
    trip.openedNotional += fx.mul(opening, price);
    trip.cash += flow(opening);
    trip.fees += fee - closingFee;
    trip.fills++;
    position += sign * opening;
  }
  if (trip) trips.push(finish(trip, null, position, lastPrice));
  return trips;
}

function finish(trip: Building, exitTs: string | null, position: Fixed, mark: Fixed | null): RoundTrip {
  // Open: what is still held, valued at the last price (its cost when no price is known).
  const held = position === 0n ? 0n : fx.mul(position, mark ?? fx.div(trip.openedNotional, trip.openedQty));
  const pnl = trip.cash + held - trip.fees;
  return {
    side: trip.sign > 0n ? "LONG" : "SHORT",
    entryTs: trip.entryTs,
    exitTs,
    quantity: fx.fromFixed(trip.openedQty),
    entryPrice: fx.fromFixed(fx.div(trip.openedNotional, trip.openedQty)),
    exitPrice: trip.closedQty === 0n ? null : fx.fromFixed(fx.div(trip.closedNotional, trip.closedQty)),
    fees: fx.fromFixed(trip.fees),
    pnl: fx.fromFixed(pnl),
    returnPct: round((fx.toNumber(pnl) / fx.toNumber(trip.openedNotional)) * 100, 4),
    fills: trip.fills,
    open: exitTs === null,
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
