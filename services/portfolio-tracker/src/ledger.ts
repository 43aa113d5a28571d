import { type Account, type Balance, type Fill, type Fixed, fx, nowNsString, type Position } from "@jts/contracts";

export interface AccountSeed {
  id: string;
  owner: string;
  venue: Account["venue"];
  baseCurrency: string;
  startingCash: string;
}

interface PositionState {
  account: string;
  symbol: string;
  venue: Position["venue"];
  currency: string;
  quantity: Fixed;
  averagePrice: Fixed;
  realized: Fixed;
  lastPrice: Fixed | null;
  updatedAt: string;
}

/**
 * Positions and cash from fills. Average price is the volume-weighted entry
 * of the open quantity; closing trades realize (price - average) x closed
 * quantity; fees come off realized P&L and cash. A fill that flips the side
 * opens the new side at the fill price.
 */
export class Ledger {
  private readonly accounts = new Map<string, AccountSeed>();
  private readonly cash = new Map<string, Fixed>();
  private readonly positions = new Map<string, PositionState>();
  private readonly seenFills = new Set<string>();

  constructor(seeds: readonly AccountSeed[]) {
    for (const seed of seeds) {
      this.accounts.set(seed.id, seed);
      this.cash.set(`${seed.id}|${seed.baseCurrency}`, fx.toFixed(seed.startingCash));
    }
  }

  /** Returns the changed position, or null for a duplicate fill or unknown account. */
  applyFill(fill: Fill): Position | null {
    if (this.seenFills.has(fill.id) || !this.accounts.has(fill.account)) return null;
    this.seenFills.add(fill.id);
    const key = `${fill.account}|${fill.symbol}`;
    let p = this.positions.get(key);
    if (!p) {
      p = {
        account: fill.account,
        symbol: fill.symbol,
        venue: fill.venue,
        currency: fill.feeCurrency,
        quantity: 0n,
        averagePrice: 0n,
        realized: 0n,
        lastPrice: null,
        updatedAt: fill.tsEvent,
      };
      this.positions.set(key, p);
    }
    const price = fx.toFixed(fill.price);
    const quantity = fx.toFixed(fill.quantity);
    const fee = fx.toFixed(fill.fee);
    const signed = fill.side === "BUY" ? quantity : -quantity;

    if (p.quantity === 0n || p.quantity > 0n === signed > 0n) {
      const open = fx.abs(p.quantity);
      p.averagePrice = fx.div(fx.mul(open, p.averagePrice) + fx.mul(quantity, price), open + quantity);
    } else {
      const closing = fx.min(fx.abs(p.quantity), quantity);
      const direction = p.quantity > 0n ? 1n : -1n;
      p.realized += fx.mul(closing, price - p.averagePrice) * direction;
      if (quantity > closing) p.averagePrice = price;
      else if (closing === fx.abs(p.quantity)) p.averagePrice = 0n;
    }
    p.quantity += signed;
    p.realized -= fee;
    p.lastPrice ??= price;
    p.updatedAt = fill.tsEvent;

    const cashKey = `${fill.account}|${fill.feeCurrency}`;
    const notional = fx.mul(price, quantity);
    const delta = fill.side === "BUY" ? -notional - fee : notional - fee;
    this.cash.set(cashKey, (this.cash.get(cashKey) ?? 0n) + delta);
    return toPosition(p);
  }

  /** Marks open positions in `symbol`; returns those whose value changed. */
  markPrice(symbol: string, price: string, ts: string): Position[] {
    const value = fx.toFixed(price);
    const changed: Position[] = [];
    for (const p of this.positions.values()) {
      if (p.symbol !== symbol || p.lastPrice === value) continue;
      p.lastPrice = value;
      p.updatedAt = ts;
      if (p.quantity !== 0n) changed.push(toPosition(p));
    }
    return changed;
  }

  listPositions(accounts?: readonly string[]): Position[] {
    return [...this.positions.values()].filter((p) => !accounts || accounts.includes(p.account)).map(toPosition);
  }

  listAccounts(accounts?: readonly string[]): Account[] {
    return [...this.accounts.values()]
      .filter((a) => !accounts || accounts.includes(a.id))
      .map((seed) => ({
        id: seed.id,
        owner: seed.owner,
        venue: seed.venue,
        kind: "CASH",
        baseCurrency: seed.baseCurrency,
        balances: this.balances(seed.id),
      }));
  }

  accountsOf(owner: string): string[] {
    return [...this.accounts.values()].filter((a) => a.owner === owner).map((a) => a.id);
  }

  private balances(account: string): Balance[] {
    const result: Balance[] = [];
    for (const [key, total] of this.cash) {
      const [id, currency] = key.split("|") as [string, string];
      if (id !== account) continue;
      // Open orders do not hold cash yet: the trading-core issue adds reservations.
      result.push({ account, currency, total: fx.fromFixed(total), free: fx.fromFixed(total), locked: "0" });
    }
    return result;
  }
}

function toPosition(p: PositionState): Position {
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
