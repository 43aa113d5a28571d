import {
  applyToPosition,
  type Balance,
  bookFill,
  cashMoves,
  type FillBooking,
  fx,
  type Instrument,
  type ParsedFill,
  type Position,
  quoteFee,
} from "@jts/contracts";

interface Holding {
  venue: Position["venue"];
  currency: string;
  /** Signed; negative is short. */
  quantity: bigint;
  averagePrice: bigint;
  realizedPnl: bigint;
  updatedAt: bigint;
}

/** A ledger as the paper venue persists it (JSON: fixed-point numbers as digit strings). */
export interface PersistedLedger {
  /** account -> currency -> amount. */
  cash: Record<string, Record<string, string>>;
  /** account -> symbol -> holding. */
  holdings: Record<
    string,
    Record<
      string,
      {
        venue: Position["venue"];
        currency: string;
        quantity: string;
        averagePrice: string;
        realizedPnl: string;
        updatedAt: string;
      }
    >
  >;
}

/** What the paper venue's accounts hold: cash per currency and positions per symbol, from its own fills. */
export class Ledger {
  private readonly cash = new Map<string, Map<string, bigint>>();
  private readonly holdings = new Map<string, Map<string, Holding>>();

  constructor(initialBalances: Readonly<Record<string, Readonly<Record<string, string>>>> = {}) {
    for (const [account, balances] of Object.entries(initialBalances))
      for (const [currency, amount] of Object.entries(balances)) this.add(account, currency, fx.toFixed(amount));
  }

  /**
   * Books one fill by the contracts' rule (`bookFill`): the quote's cash by
   * the notional, a fee in the quote or a third currency from that cash, the
   * position by the quantity (less a fee in the base on a buy, plus it on a
   * sell). A crypto venue's wallet also holds the base asset as a balance
   * (Binance and Upbit report it so), moved as the position; a stock is a
   * position only.
   */
  book(account: string, instrument: Instrument, trade: ParsedFill, ts: bigint) {
    const booking = bookFill(trade, instrument);
    for (const [currency, amount] of cashMoves(booking)) this.add(account, currency, amount);
    if (instrument.kind === "CRYPTO") this.add(account, booking.base, booking.quantity);
    this.move(account, instrument, booking, ts);
  }

  /** Everything the ledger holds, to persist with the open orders: what `restore` takes back. */
  persisted(): PersistedLedger {
    const cash: PersistedLedger["cash"] = {};
    for (const [account, balances] of this.cash)
      cash[account] = Object.fromEntries([...balances].map(([currency, amount]) => [currency, amount.toString()]));
    const holdings: PersistedLedger["holdings"] = {};
    for (const [account, positions] of this.holdings)
      holdings[account] = Object.fromEntries(
        [...positions].map(([symbol, h]) => [
          symbol,
          {
            venue: h.venue,
            currency: h.currency,
            quantity: h.quantity.toString(),
            averagePrice: h.averagePrice.toString(),
            realizedPnl: h.realizedPnl.toString(),
            updatedAt: h.updatedAt.toString(),
          },
        ]),
      );
    return { cash, holdings };
  }

  /** Replaces everything held (the starting balances included) with a persisted ledger. */
  restore(persisted: PersistedLedger): void {
    this.cash.clear();
    this.holdings.clear();
    for (const [account, balances] of Object.entries(persisted.cash))
      this.cash.set(account, new Map(Object.entries(balances).map(([currency, amount]) => [currency, BigInt(amount)])));
    for (const [account, positions] of Object.entries(persisted.holdings))
      this.holdings.set(
        account,
        new Map(
          Object.entries(positions).map(([symbol, h]) => [
            symbol,
            {
              venue: h.venue,
              currency: h.currency,
              quantity: BigInt(h.quantity),
              averagePrice: BigInt(h.averagePrice),
              realizedPnl: BigInt(h.realizedPnl),
              updatedAt: BigInt(h.updatedAt),
            },
          ]),
        ),
      );
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

  /** Average-cost accounting (`applyToPosition`); realized P&L net of a fee in the quote, or in the base at the fill price. */
  private move(account: string, instrument: Instrument, booking: FillBooking, ts: bigint) {
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
    const change = applyToPosition(h, booking.quantity, booking.price);
    h.quantity = change.quantity;
    h.averagePrice = change.averagePrice;
    h.realizedPnl += change.realized - quoteFee(booking);
    h.updatedAt = ts;
    positions.set(instrument.symbol, h);
  }
}
