import { type Account, type EquitySnapshot, type Fixed, fx } from "@jts/contracts";
import type { PositionState } from "./ledger.ts";

/**
 * An account's equity in each currency it holds: cash in that currency plus
 * the market value (signed quantity x last price) of the open positions
 * quoted in it. Currencies are never converted into each other: a KRW stock
 * and a USDT coin each count in their own currency, so no FX rate can make the
 * numbers wrong. A position with no price yet counts at its average price.
 * Order: the account's balances order (base currency first), then any currency
 * only positions are quoted in, by name.
 */
export function equityOf(account: Account, positions: readonly PositionState[], ts: string): EquitySnapshot[] {
  const totals = new Map<string, Fixed>();
  for (const b of account.balances) totals.set(b.currency, fx.toFixed(b.total));
  const extra = new Map<string, Fixed>();
  for (const p of positions) {
    if (p.account !== account.id || p.quantity === 0n) continue;
    const value = fx.mul(p.quantity, p.lastPrice ?? p.averagePrice);
    if (totals.has(p.currency)) totals.set(p.currency, (totals.get(p.currency) as Fixed) + value);
    else extra.set(p.currency, (extra.get(p.currency) ?? 0n) + value);
  }
  const ordered = [...totals, ...[...extra].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))];
  return ordered.map(([currency, equity]) => ({ account: account.id, currency, equity: fx.fromFixed(equity), ts }));
}
