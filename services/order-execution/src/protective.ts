import { fx, type Order, type Position } from "@jts/contracts";
import { isStopOrder } from "./stops.ts";

/**
 * The working orders an automatic HALT keeps: the reduce-only protective
 * stops. A working order is one when
 *  1. it is a stop (STOP_MARKET or STOP_LIMIT, held here or at the venue);
 *  2. it is on the side that reduces the account's current position in its
 *     symbol: a SELL stop under a long, a BUY stop over a short (no position,
 *     nothing to protect: every stop there is an entry);
 *  3. its unfilled quantity, added to that of the stops kept before it on the
 *     same position, does not exceed the position. Stops are taken nearest the
 *     market first (the highest SELL stop, the lowest BUY stop; then the
 *     oldest), so were every kept stop to trigger, the position would end flat
 *     at worst, never flipped: they can only reduce it, as a broker's
 *     reduce-only flag guarantees.
 * Everything else (entries, stops that would open or flip a position) is not
 * protective. Pure: the caller reads the positions (the portfolio's).
 */
export function protectiveStops(working: readonly Order[], positions: readonly Position[]): Set<string> {
  const held = new Map<string, bigint>();
  for (const position of positions) held.set(key(position), fx.toFixed(position.quantity));
  const candidates = working
    .filter((order) => isStopOrder(order) && order.stopPrice !== null)
    .filter((order) => {
      const quantity = held.get(key(order)) ?? 0n;
      return order.side === "SELL" ? quantity > 0n : quantity < 0n;
    })
    .sort(nearestFirst);
  const kept = new Set<string>();
  const covered = new Map<string, bigint>();
  for (const order of candidates) {
    const position = fx.abs(held.get(key(order)) ?? 0n);
    const remaining = fx.toFixed(order.quantity) - fx.toFixed(order.filledQuantity);
    const total = (covered.get(key(order)) ?? 0n) + remaining;
    if (total > position) continue;
    covered.set(key(order), total);
    kept.add(order.id);
  }
  return kept;
}

const key = (item: { account: string; symbol: string }) => `${item.account}|${item.symbol}`;

/** The stop that triggers first comes first: highest for a sell, lowest for a buy; then the older. */
function nearestFirst(a: Order, b: Order): number {
  const stopA = fx.toFixed(a.stopPrice as string);
  const stopB = fx.toFixed(b.stopPrice as string);
  if (stopA !== stopB) return (a.side === "SELL" ? stopB > stopA : stopA > stopB) ? 1 : -1;
  const age = BigInt(a.createdAt) - BigInt(b.createdAt);
  return age < 0n ? -1 : age > 0n ? 1 : 0;
}
