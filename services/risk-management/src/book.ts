import {
  type Account,
  applyToPosition,
  bookFill,
  cashMoves,
  currenciesOf,
  type Fill,
  type Fixed,
  fx,
  type Position,
  parseFill,
  quoteFee,
} from "@jts/contracts";

interface Holding {
  quantity: Fixed;
  /** Average cost of the open quantity. */
  averagePrice: Fixed;
  /** The currency the instrument is priced in: its P&L and exposure count there. */
  quote: string;
  /** What it is a quantity of: a coin (BTC of BTC-KRW) or the stock itself. */
  base: string;
}

/** The base of a symbol by the SymbolCode contract; a name outside it (a backtest's CSV symbol) is its own base. */
function baseOf(symbol: string): string {
  try {
    return currenciesOf(symbol).base;
  } catch {
    return symbol;
  }
}

/**
 * The loss-limit bookkeeping of one currency: P&L of different currencies is
 * never added up. P&L here is lifetime realized (what the portfolio's
 * positions carried at start, plus fills since) plus unrealized at the marks,
 * so it is the same number before and after a restart; the day's baseline and
 * the peak are stored (see RiskEngine.baselineSnapshot) and compared with it.
 */
export interface CurrencyTrack {
  /** P&L at the start of the trading day: daily P&L is P&L now minus this. */
  dayStartPnl: Fixed;
  /** Realized P&L at the start of the trading day. */
  dayStartRealized: Fixed;
  /** P&L and realized P&L at the previous evaluation: the baselines when a new day starts. */
  lastPnl: Fixed;
  lastRealized: Fixed;
  peakPnl: Fixed;
  dailyLossTripped: boolean;
  drawdownTripped: boolean;
  /** Restored from the store: a start-up seed then brings nothing new for today (its P&L is already in the baseline). */
  restored: boolean;
}

/**
 * One account as risk sees it: holdings from fills, cash when the account is
 * known to be a cash account, P&L. Everything money is kept per quote
 * currency (KRW and USDT never add up 1:1); which currencies the account's
 * limits apply to is `limitCurrencies`.
 */
export class AccountBook {
  readonly holdings = new Map<string, Holding>();
  /** Realized P&L net of fees per currency since this service started (plus what a snapshot brought). */
  readonly realized = new Map<string, Fixed>();
  /**
   * Cash per currency, tracked only for CASH accounts the portfolio told us
   * about: the portfolio's balances (a coin's deposits and the fees charged
   * in it among them), moved by fills as the booking rule moves them.
   */
  cash: Map<string, Fixed> | null = null;
  /** Sum of the holdings per base (coin or stock): with `cash`, what a cash account owns of it (see `owned`). */
  private readonly held = new Map<string, Fixed>();
  /** The account's base currency once the portfolio named it: its limits are in that currency. */
  baseCurrency: string | null = null;
  /** Venue of the account once the portfolio named it: its trading day follows it (KRX in KST, crypto in UTC). */
  venue: string | null = null;
  /** Whether the portfolio listed this account (its cash, if a cash account, is then known). */
  known = false;
  /** Trading day (days since the epoch in the account's time zone) the baselines belong to; -1 before the first evaluation. */
  day = -1;
  readonly tracks = new Map<string, CurrencyTrack>();

  constructor(readonly id: string) {}

  quantity(symbol: string): Fixed {
    return this.holdings.get(symbol)?.quantity ?? 0n;
  }

  /**
   * What the account owns of a currency, coin or stock: its balance plus the
   * holdings of every symbol that has it as base. One number for a coin
   * whether it was deposited (a balance) or bought here (a position), moved
   * by every fill that trades it as base or as quote: the sell check and a
   * cross pair's buy (ETH-BTC spends BTC) both read it. The portfolio books
   * a coin bought through the platform as a position and a deposit as a
   * balance, never both, so this is its own equity's count too.
   */
  owned(currency: string): Fixed {
    return (this.cash?.get(currency) ?? 0n) + (this.held.get(currency) ?? 0n);
  }

  private setHolding(symbol: string, holding: Holding, quantity: Fixed): void {
    this.held.set(holding.base, (this.held.get(holding.base) ?? 0n) + quantity - holding.quantity);
    holding.quantity = quantity;
    this.holdings.set(symbol, holding);
  }

  /**
   * The currencies the account's limits are compared in: its base currency
   * (limits are set in it, and nothing here converts between currencies);
   * until the portfolio names it, every currency on its own, never summed.
   */
  limitCurrencies(): string[] {
    return this.baseCurrency ? [this.baseCurrency] : [...this.tracks.keys()];
  }

  /** Whether positions quoted in `currency` count towards the account's limits. */
  limitedIn(currency: string): boolean {
    return this.baseCurrency === null || this.baseCurrency === currency;
  }

  track(currency: string): CurrencyTrack {
    let track = this.tracks.get(currency);
    if (!track) {
      track = {
        dayStartPnl: 0n,
        dayStartRealized: 0n,
        lastPnl: 0n,
        lastRealized: 0n,
        peakPnl: 0n,
        dailyLossTripped: false,
        drawdownTripped: false,
        restored: false,
      };
      this.tracks.set(currency, track);
    }
    return track;
  }

  /**
   * The contracts' booking rule (`bookFill`, `applyToPosition`): average-cost
   * holding in the symbol's quote; realized P&L net of a fee charged in the
   * quote; cash: the quote by the notional, the fee in its own currency.
   */
  applyFill(fill: Fill): void {
    const booking = bookFill(parseFill(fill));
    const holding = this.holdings.get(fill.symbol) ?? {
      quantity: 0n,
      averagePrice: 0n,
      quote: booking.quote,
      base: booking.base,
    };
    const change = applyToPosition(holding, booking.quantity, booking.price);
    holding.averagePrice = change.averagePrice;
    holding.quote = booking.quote;
    this.setHolding(fill.symbol, holding, change.quantity);
    this.realize(booking.quote, change.realized - quoteFee(booking));
    if (this.cash)
      for (const [currency, amount] of cashMoves(booking))
        this.cash.set(currency, (this.cash.get(currency) ?? 0n) + amount);
  }

  /**
   * Starts from the portfolio's view after a restart, so limits see what was
   * held before. The position's realized P&L is its lifetime's, not today's:
   * unless a stored baseline of today covers it already, the baselines and the
   * peak move by what the seed adds, so an old gain or loss never counts as
   * today's (and a fresh start begins its drawdown at the P&L it finds).
   */
  seedPosition(position: Position, marks: ReadonlyMap<string, Fixed>): void {
    const currency = position.currency;
    const pnlBefore = this.pnl(marks).get(currency) ?? 0n;
    const realizedBefore = this.realized.get(currency) ?? 0n;
    const holding = this.holdings.get(position.symbol) ?? {
      quantity: 0n,
      averagePrice: 0n,
      quote: currency,
      base: baseOf(position.symbol),
    };
    holding.averagePrice = fx.toFixed(position.averagePrice);
    holding.quote = currency;
    this.setHolding(position.symbol, holding, fx.toFixed(position.quantity));
    this.realize(currency, fx.toFixed(position.realizedPnl));
    const track = this.track(currency);
    if (track.restored) return;
    const moved = (this.pnl(marks).get(currency) ?? 0n) - pnlBefore;
    const realized = (this.realized.get(currency) ?? 0n) - realizedBefore;
    track.dayStartPnl += moved;
    track.lastPnl += moved;
    track.peakPnl += moved;
    track.dayStartRealized += realized;
    track.lastRealized += realized;
  }

  seedAccount(account: Account): void {
    this.known = true;
    this.venue = account.venue;
    this.baseCurrency = account.baseCurrency;
    if (account.kind !== "CASH") {
      this.cash = null;
      return;
    }
    this.cash = new Map(account.balances.map((b) => [b.currency, fx.toFixed(b.total)]));
  }

  /** Realized plus unrealized at the marks (the average cost where no mark is known), per currency. */
  pnl(marks: ReadonlyMap<string, Fixed>): Map<string, Fixed> {
    const pnl = new Map(this.realized);
    for (const [symbol, h] of this.holdings) {
      if (h.quantity === 0n) continue;
      const mark = marks.get(symbol) ?? h.averagePrice;
      pnl.set(h.quote, (pnl.get(h.quote) ?? 0n) + fx.mul(h.quantity, mark - h.averagePrice));
    }
    return pnl;
  }

  /** Sum of |quantity| x mark over the holdings quoted in `currency`, leaving out `except` (valued by the caller). */
  grossExposure(marks: ReadonlyMap<string, Fixed>, currency: string, except?: string): Fixed {
    let gross = 0n;
    for (const [symbol, h] of this.holdings) {
      if (h.quote !== currency || symbol === except || h.quantity === 0n) continue;
      gross += fx.mul(fx.abs(h.quantity), marks.get(symbol) ?? h.averagePrice);
    }
    return gross;
  }

  private realize(currency: string, amount: Fixed): void {
    this.realized.set(currency, (this.realized.get(currency) ?? 0n) + amount);
    this.track(currency); // a currency traded in is reported and evaluated from its first fill on
  }
}
