import {
  type Account,
  applyToPosition,
  type Balance,
  bookFill,
  cashMoves,
  type Fill,
  type Fixed,
  fx,
  nowNsString,
  type Position,
  parseFill,
  quoteFee,
} from "@jts/contracts";

export interface AccountSeed {
  id: string;
  owner: string;
  venue: Account["venue"];
  baseCurrency: string;
  startingCash: string;
}

/**
 * A position as the arithmetic sees it. Everything but unrealized P&L, which
 * is derived from `lastPrice` when read because it moves with every tick.
 */
export interface PositionState {
  account: string;
  symbol: string;
  venue: Position["venue"];
  currency: string;
  /** Signed: negative is short. */
  quantity: Fixed;
  averagePrice: Fixed;
  realized: Fixed;
  lastPrice: Fixed | null;
  updatedAt: string;
}

export const positionKey = (account: string, symbol: string) => `${account}|${symbol}`;

/**
 * The position after `fill`, from the one before it (undefined when none is
 * open yet). Pure: `previous` is not changed. The contracts' booking rule
 * (`bookFill`, `applyToPosition`): average-cost position in the symbol's
 * quote currency; a fee in the base moves the position with the fill (the
 * venue credits quantity - fee); realized P&L net of a fee in the quote, or in
 * the base at the fill price (a fee in BNB is debited from BNB's cash only).
 */
export function applyFillToPosition(previous: PositionState | undefined, fill: Fill): PositionState {
  const booking = bookFill(parseFill(fill));
  const p: PositionState = previous
    ? { ...previous }
    : {
        account: fill.account,
        symbol: fill.symbol,
        venue: fill.venue,
        currency: booking.quote,
        quantity: 0n,
        averagePrice: 0n,
        realized: 0n,
        lastPrice: null,
        updatedAt: fill.tsEvent,
      };
  const change = applyToPosition(p, booking.quantity, booking.price);
  p.quantity = change.quantity;
  p.averagePrice = change.averagePrice;
  p.realized += change.realized - quoteFee(booking);
  p.lastPrice ??= booking.price;
  p.updatedAt = fill.tsEvent;
  return p;
}

/** What `fill` does to cash, per currency: the quote by the notional, a fee in the quote or a third currency (one in the base is in the position). */
export function cashDeltas(fill: Fill): Array<[currency: string, amount: Fixed]> {
  return cashMoves(bookFill(parseFill(fill)));
}

/** Marks `p` to `price` in place; false when that was its price already. */
export function markPosition(p: PositionState, price: Fixed, ts: string): boolean {
  if (p.lastPrice === price) return false;
  p.lastPrice = price;
  p.updatedAt = ts;
  return true;
}

export function toPosition(p: PositionState): Position {
  const unrealized = p.lastPrice === null || p.quantity === 0n ? 0n : fx.mul(p.lastPrice - p.averagePrice, p.quantity);
  return {
    account: p.account,
    symbol: p.symbol,
    venue: p.venue,
    quantity: fx.fromFixed(p.quantity),
    averagePrice: fx.fromFixed(p.averagePrice),
    realizedPnl: fx.fromFixed(p.realized),
    unrealizedPnl: fx.fromFixed(unrealized),
    lastPrice: p.lastPrice === null ? null : fx.fromFixed(p.lastPrice),
    currency: p.currency,
    updatedAt: p.updatedAt || nowNsString(),
  };
}

/** An account's balances: its base currency first, then the others by name. */
export function sortBalances(baseCurrency: string, balances: Balance[]): Balance[] {
  // Code-point order, as PostgreSQL's COLLATE "C" sorts them.
  const rank = (b: Balance) => (b.currency === baseCurrency ? "" : b.currency);
  return balances.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
}

/** Open orders do not hold cash yet: the trading-core issue adds reservations. */
export function cashBalance(account: string, currency: string, total: Fixed): Balance {
  return { account, currency, total: fx.fromFixed(total), free: fx.fromFixed(total), locked: "0" };
}
