import { type Balance, fx, type Instrument, type Position, type Side } from "@jts/contracts";

interface Holding {
  venue: Position["venue"];
  currency: string;
  /** Signed; negative is short. */
  quantity: bigint;
  averagePrice: bigint;
  realizedPnl: bigint;
  updatedAt: bigint;
}

/** What the paper venue's accounts hold: cash per currency and positions per symbol, from its own fills. */
export class Ledger {
  private readonly cash = new Map<string, Map<string, bigint>>();
  private readonly holdings = new Map<string, Map<string, Holding>>();

  constructor(initialBalances: Readonly<Record<string, Readonly<Record<string, string>>>> = {}) {
    for (const [account, balances] of Object.entries(initialBalances))
      for (const [currency, amount] of Object.entries(balances)) this.add(account, currency, fx.toFixed(amount));
  }

  /** Books one fill: cash moves by the notional and the fee; the position by the quantity. */
  book(account: string, instrument: Instrument, side: Side, price: bigint, quantity: bigint, fee: bigint, ts: bigint) {
    const notional = fx.mul(price, quantity);
    const sign = side === "BUY" ? 1n : -1n;
    this.add(account, instrument.quote, -sign * notional - fee);
    if (instrument.kind === "CRYPTO") this.add(account, instrument.base, sign * quantity);
    this.move(account, instrument, sign * quantity, price, ts);
  }

  /** Cash balances; `locked` is what open orders hold, as the engine computes it. */
  balances(account: string, locked: ReadonlyMap<string, bigint>): Balance[] {
    const currencies = new Set([...(this.cash.get(account)?.keys() ?? []), ...locked.keys()]);
    return [...currencies].sort().map((currency) => {
      const total = this.cash.get(account)?.get(currency) ?? 0n;
      const held = locked.get(currency) ?? 0n;
      return {
        account,
        currency,
        total: fx.fromFixed(total),
        free: fx.fromFixed(total - held),
        locked: fx.fromFixed(held),
      };
    });
  }

  positions(account: string, lastPrice: (symbol: string) => bigint | null): Position[] {
    return [...(this.holdings.get(account) ?? new Map<string, Holding>()).entries()]
      .filter(([, h]) => h.quantity !== 0n || h.realizedPnl !== 0n)
      .map(([symbol, h]) => {
        const last = lastPrice(symbol);
        const unrealized = last === null || h.quantity === 0n ? 0n : fx.mul(last - h.averagePrice, h.quantity);
        return {
          account,
          symbol,
          venue: h.venue,
          quantity: fx.fromFixed(h.quantity),
          averagePrice: fx.fromFixed(h.averagePrice),
          realizedPnl: fx.fromFixed(h.realizedPnl),
          unrealizedPnl: fx.fromFixed(unrealized),
          lastPrice: last === null ? null : fx.fromFixed(last),
          currency: h.currency,
          updatedAt: h.updatedAt.toString(),
        };
      });
  }

  private add(account: string, currency: string, amount: bigint) {
    let balances = this.cash.get(account);
    if (!balances) {
      balances = new Map();
      this.cash.set(account, balances);
    }
    balances.set(currency, (balances.get(currency) ?? 0n) + amount);
  }

  /** Average-price accounting: adding keeps a weighted average, reducing realizes P&L, crossing zero restarts at the fill price. */
  private move(account: string, instrument: Instrument, signed: bigint, price: bigint, ts: bigint) {
    let positions = this.holdings.get(account);
    if (!positions) {
      positions = new Map();
      this.holdings.set(account, positions);
    }
    const h = positions.get(instrument.symbol) ?? {
      venue: instrument.venue as Position["venue"],
      currency: instrument.quote,
      quantity: 0n,
      averagePrice: 0n,
      realizedPnl: 0n,
      updatedAt: ts,
    };
    const sameWay = h.quantity === 0n || h.quantity > 0n === signed > 0n;
    if (sameWay) {
      const size = fx.abs(h.quantity) + fx.abs(signed);
      h.averagePrice = fx.div(fx.mul(h.averagePrice, fx.abs(h.quantity)) + fx.mul(price, fx.abs(signed)), size);
    } else {
      const closing = fx.min(fx.abs(signed), fx.abs(h.quantity));
      const direction = h.quantity > 0n ? 1n : -1n;
      h.realizedPnl += fx.mul(price - h.averagePrice, closing) * direction;
      if (fx.abs(signed) > fx.abs(h.quantity)) h.averagePrice = price;
    }
    h.quantity += signed;
    if (h.quantity === 0n) h.averagePrice = 0n;
    h.updatedAt = ts;
    positions.set(instrument.symbol, h);
  }
}
