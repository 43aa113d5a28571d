import {
  type Account,
  type AccountRiskStatus,
  type CurrencyRiskStatus,
  type Fill,
  type Fixed,
  fx,
  type Instrument,
  nowNsString,
  type Order,
  type Position,
  type RiskDecision,
  type RiskLimits,
  type RiskRule,
  type RiskStatus,
  type TradingState,
  type TradingStateChange,
} from "@jts/contracts";
import {
  ALWAYS_OPEN,
  type InstrumentCatalog,
  type InstrumentSpec,
  SessionClock,
  type SessionSchedule,
  tickSizeAt,
} from "@jts/kit";
import { AccountBook } from "./book.ts";
import { dayFromKey, dayKey, dayNumber, TradingDays } from "./days.ts";
import { LimitBook, type ResolvedLimits } from "./limits.ts";
import { OpenOrders, RecentOrders } from "./orders.ts";
import {
  collarBps,
  DEFAULT_PRICE_COLLAR_PCT,
  type MarketView,
  marketView,
  orderValue,
  outsideCollar,
  type Valuation,
} from "./valuation.ts";

/**
 * Default band over the market price a MARKET (or STOP_MARKET) buy reserves
 * cash at: 50 bps, NautilusTrader's DEFAULT_MARKET_SLIPPAGE_BPS for market
 * orders on Hyperliquid. About three and a half KRX ticks at 70,000 KRW
 * (tick 100), far more than a liquid book moves between the check and the
 * fill, and small enough not to lock a cash account's last half percent.
 */
export const DEFAULT_MARKET_SLIPPAGE_BPS = 50;

export interface RiskEngineOptions {
  /**
   * The clock in ms: sessions, the day's baseline, duplicate windows and every
   * stamp (decisions, state changes) read it. The wall clock live; tests pin it,
   * a backtest passes market time.
   */
  now?: () => number;
  /** The session an instrument trades in; around the clock when not given. */
  sessions?: (instrument: Instrument) => SessionSchedule;
  /** Cash a MARKET or STOP_MARKET buy reserves: reference price times (1 + this / 10,000). */
  marketSlippageBps?: number;
  /** Refuse a LIMIT or STOP price more than this percent from the last trade; 0 turns the collar off. */
  priceCollarPct?: number;
  /**
   * Refuse orders of accounts whose balances are not known (the service, until
   * the portfolio answered; then for accounts it does not list). Off for a bare
   * engine (backtests, the bench), which has no portfolio to ask.
   */
  requireBalances?: boolean;
  /**
   * Refuse every order until the OMS's working orders are loaded (the service:
   * a restarted risk would otherwise approve against cash and positions that
   * orders already resting at the venues have spoken for). Off for a bare engine.
   */
  requireWorkingOrders?: boolean;
  /** Where each account's trading day starts (KRX accounts in KST, crypto in UTC by default). */
  tradingDays?: TradingDays;
}

/** One currency's stored day baseline and peak (decimal strings). */
export interface StoredTrack {
  currency: string;
  dayStartPnl: string;
  dayStartRealized: string;
  lastPnl: string;
  lastRealized: string;
  peakPnl: string;
  dailyLossTripped: boolean;
  drawdownTripped: boolean;
}

/** Every account's trading day and per-currency baselines: what makes a restart mid-day change nothing. */
export interface BaselineSnapshot {
  accounts: Array<{ account: string; day: string; currencies: StoredTrack[] }>;
}

interface StateRecord {
  state: TradingState;
  reason: string;
  updatedAt: string;
}

export interface StateSnapshot {
  platform: StateRecord;
  accounts: Array<StateRecord & { account: string }>;
}

const SEVERITY: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

/**
 * Decimal strings repeat (the same quantities and price levels again and
 * again); parsing one costs a regex and a BigInt, a hit costs a map lookup.
 * Bounded: dropped whole when full, so a stream of new prices cannot grow it.
 */
const parsed = new Map<string, Fixed>();
function toFixedCached(value: string): Fixed {
  let fixed = parsed.get(value);
  if (fixed === undefined) {
    fixed = fx.toFixed(value);
    if (parsed.size >= 4096) parsed.clear();
    parsed.set(value, fixed);
  }
  return fixed;
}

/** A refusal; `check` stamps it with the engine's clock. */
const refuse = (rule: RiskRule, reason: string): RiskDecision => ({ approved: false, rule, reason, tsEvent: "" });

/**
 * Pre-trade risk, after NautilusTrader's RiskEngine and further. Every
 * refusal names its rule and a reason a trader can act on. Holdings and P&L
 * come from fills, marks from ticks, working orders from the OMS's updates.
 * State is ACTIVE, REDUCING (only orders that shrink a position) or HALTED
 * (only cancels), for the platform and per account; the stricter one applies.
 * `check` is synchronous and parses nothing it parsed before: limits and
 * instrument sizes are fixed-point once per change.
 */
export class RiskEngine {
  readonly limits: LimitBook;
  readonly openOrders: OpenOrders;
  private platform: StateRecord;
  private readonly accountStates = new Map<string, StateRecord>();
  private readonly books = new Map<string, AccountBook>();
  /** symbol -> accounts holding it, so a tick re-values only those. */
  private readonly holders = new Map<string, Set<string>>();
  private readonly marks = new Map<string, Fixed>();
  /** Best ask per symbol as last quoted (kept as the string, parsed only when a buy needs it). */
  private readonly asks = new Map<string, string>();
  private readonly recent = new RecentOrders();
  private readonly sessionClock = new SessionClock();
  private readonly schedules = new Map<string, SessionSchedule>();
  private readonly now: () => number;
  /** Event time stamps: ns from the injected clock, the process's ns clock when none was given. */
  private readonly stamp: () => string;
  private readonly sessionOf: (instrument: Instrument) => SessionSchedule;
  /** 1 + slippage band, fixed point. */
  private readonly slippageFactor: Fixed;
  /** The price collar in basis points (0: off). */
  private readonly collarBps: number;
  /** Per symbol: the market reference, an unpriced buy's price and the collar, dropped when the mark or ask moves. */
  private readonly markets = new Map<string, MarketView>();
  /** Scratch for orderValue: `check` is synchronous, so one serves every check. */
  private readonly valuation: Valuation = { value: 0n, marketKnown: false };
  private readonly tradingDays: TradingDays;
  /**
   * Why balances are not known yet (null once the portfolio answered, or for a
   * bare engine): orders are refused and loss limits not evaluated meanwhile,
   * since P&L without the seeded positions would be wrong both ways.
   */
  private balancesUnknown: string | null;
  private readonly requireBalances: boolean;
  /** Why the OMS's working orders are not known yet (null once loaded, or for a bare engine). */
  private workingOrdersUnknown: string | null;
  /** Set when a stored baseline or peak changed; the service saves and clears it. */
  baselinesDirty = false;

  constructor(
    private readonly catalog: InstrumentCatalog,
    limits: RiskLimits,
    options: RiskEngineOptions = {},
  ) {
    this.limits = new LimitBook(limits);
    this.now = options.now ?? Date.now;
    const now = options.now;
    this.stamp = now ? () => String(BigInt(Math.trunc(now())) * 1_000_000n) : nowNsString;
    this.platform = { state: "ACTIVE", reason: "start", updatedAt: this.stamp() };
    this.sessionOf = options.sessions ?? (() => ALWAYS_OPEN);
    this.openOrders = new OpenOrders(this.now);
    const bps = options.marketSlippageBps ?? DEFAULT_MARKET_SLIPPAGE_BPS;
    if (!Number.isInteger(bps) || bps < 0 || bps > 10_000)
      throw new Error(`marketSlippageBps must be an integer from 0 to 10000, not ${bps}`);
    this.slippageFactor = fx.SCALE + (BigInt(bps) * fx.SCALE) / 10_000n;
    this.collarBps = collarBps(options.priceCollarPct ?? DEFAULT_PRICE_COLLAR_PCT);
    this.tradingDays = options.tradingDays ?? new TradingDays();
    this.requireBalances = options.requireBalances ?? false;
    this.balancesUnknown = this.requireBalances ? "the portfolio has not answered since risk started" : null;
    this.workingOrdersUnknown = options.requireWorkingOrders
      ? "the OMS has not listed its working orders since risk started"
      : null;
  }

  /** Null once the OMS's working orders are loaded; otherwise why they are not. */
  get workingOrdersPending(): string | null {
    return this.workingOrdersUnknown;
  }

  /** While the OMS does not answer: the reason orders and /ready give. */
  setWorkingOrdersUnknown(why: string): void {
    if (this.workingOrdersUnknown !== null) this.workingOrdersUnknown = why;
  }

  /** The OMS's working orders at start; orders pass from here on. Returns how many were new. */
  seedWorkingOrders(orders: readonly Order[]): number {
    const added = this.openOrders.seed(orders);
    this.workingOrdersUnknown = null;
    return added;
  }

  /** Null when orders may pass the balance check; otherwise why balances are not known. */
  get balancesPending(): string | null {
    return this.balancesUnknown;
  }

  /** While the portfolio does not answer: the reason orders and /ready give. */
  setBalancesUnknown(why: string): void {
    if (this.balancesUnknown !== null) this.balancesUnknown = why;
  }

  status(): RiskStatus {
    const accounts = new Set([...this.accountStates.keys(), ...this.books.keys(), ...this.limits.accounts()]);
    return {
      state: this.platform.state,
      limits: this.limits.platform,
      reason: this.platform.reason,
      updatedAt: this.platform.updatedAt,
      accounts: [...accounts].sort().map((account) => this.accountStatus(account)),
    };
  }

  /**
   * The top-level P&L, drawdown and exposure are those of the account's base
   * currency (the one its limits are in; until the portfolio names it, the
   * alphabetically first it trades in); `currencies` has every currency on its own.
   */
  accountStatus(account: string): AccountRiskStatus {
    const record = this.accountStates.get(account);
    const book = this.books.get(account);
    const currencies = book ? this.currencyStatus(book) : [];
    const currency = book?.baseCurrency ?? currencies[0]?.currency;
    const main = currencies.find((c) => c.currency === currency);
    return {
      account,
      state: record?.state ?? "ACTIVE",
      reason: record?.reason ?? "",
      updatedAt: record?.updatedAt ?? this.platform.updatedAt,
      limits: this.limits.for(account).wire,
      dailyPnl: main?.dailyPnl ?? "0",
      drawdown: main?.drawdown ?? "0",
      grossExposure: main?.grossExposure ?? "0",
      ...(currency ? { currency } : {}),
      ...(book && currency ? { dailyRealizedPnl: this.dailyRealized(book, currency) } : {}),
      ...(book ? { tradingDay: dayKey(this.dayOf(book)) } : {}),
      currencies,
    };
  }

  private dailyRealized(book: AccountBook, currency: string): string {
    const track = book.tracks.get(currency);
    if (!track) return "0";
    const baseline = book.day === this.dayOf(book) ? track.dayStartRealized : track.lastRealized;
    return fx.fromFixed((book.realized.get(currency) ?? 0n) - baseline);
  }

  private currencyStatus(book: AccountBook): CurrencyRiskStatus[] {
    const pnl = book.pnl(this.marks);
    const today = book.day === this.dayOf(book);
    return [...book.tracks]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, track]) => {
        const now = pnl.get(currency) ?? 0n;
        return {
          currency,
          dailyPnl: fx.fromFixed(now - (today ? track.dayStartPnl : track.lastPnl)),
          drawdown: fx.fromFixed(fx.max(0n, track.peakPnl - now)),
          grossExposure: fx.fromFixed(book.grossExposure(this.marks, currency)),
        };
      });
  }

  /** The state an account's orders meet: its own or the platform's, whichever is stricter. */
  stateOf(account: string): TradingState {
    const own = this.accountStates.get(account)?.state ?? "ACTIVE";
    return SEVERITY[own] > SEVERITY[this.platform.state] ? own : this.platform.state;
  }

  /** Returns the change to publish, or null when the scope was already in `state`. */
  setState(
    state: TradingState,
    reason: string,
    changedBy: string,
    scope: { account?: string | null; cancelOpenOrders?: boolean } = {},
  ): TradingStateChange | null {
    const account = scope.account ?? null;
    const record = account === null ? this.platform : this.accountStates.get(account);
    const previous = record?.state ?? "ACTIVE";
    if (state === previous) return null;
    const change: TradingStateChange = {
      account,
      state,
      previous,
      reason,
      changedBy,
      cancelOpenOrders: state === "HALTED" && (scope.cancelOpenOrders ?? false),
      tsEvent: this.stamp(),
    };
    const next = { state, reason, updatedAt: change.tsEvent };
    if (account === null) this.platform = next;
    else this.accountStates.set(account, next);
    return change;
  }

  /** The platform's and accounts' states, to survive a restart (a HALTED account stays HALTED). */
  stateSnapshot(): StateSnapshot {
    return {
      platform: this.platform,
      accounts: [...this.accountStates].map(([account, record]) => ({ account, ...record })),
    };
  }

  restoreStates(snapshot: StateSnapshot): void {
    this.platform = { ...snapshot.platform };
    for (const { account, ...record } of snapshot.accounts) this.accountStates.set(account, record);
  }

  /** A new mark: re-values the accounts holding the symbol and returns the state changes their loss limits cause. */
  onPrice(symbol: string, price: string): TradingStateChange[] {
    this.marks.set(symbol, fx.toFixed(price));
    this.markets.delete(symbol);
    const accounts = this.holders.get(symbol);
    if (!accounts || accounts.size === 0) return [];
    const changes: TradingStateChange[] = [];
    for (const account of accounts) {
      const change = this.evaluate(this.bookOf(account));
      if (change) changes.push(change);
    }
    return changes;
  }

  onFill(fill: Fill): TradingStateChange[] {
    const book = this.bookOf(fill.account);
    book.applyFill(fill);
    this.openOrders.onFill(fill.orderId, fill.account, fill.symbol, toFixedCached(fill.quantity));
    this.holdersOf(fill.symbol).add(fill.account);
    const change = this.evaluate(book);
    return change ? [change] : [];
  }

  onOrder(order: Order): void {
    this.openOrders.onOrder(order);
  }

  /** The venue's best ask: a MARKET buy reserves cash from the higher of it and the last trade. */
  onQuote(symbol: string, ask: string): void {
    this.asks.set(symbol, ask);
    this.markets.delete(symbol);
  }

  seedPosition(position: Position): void {
    if (position.lastPrice !== null && !this.marks.has(position.symbol)) {
      this.marks.set(position.symbol, fx.toFixed(position.lastPrice));
      this.markets.delete(position.symbol);
    }
    this.bookOf(position.account).seedPosition(position, this.marks);
    this.holdersOf(position.symbol).add(position.account);
    this.baselinesDirty = true;
  }

  /** Cash accounts get the free-balance check from here on. */
  seedAccount(account: Account): void {
    this.bookOf(account.id).seedAccount(account);
  }

  /** Whether the portfolio listed the account. */
  knows(account: string): boolean {
    return this.books.get(account)?.known ?? false;
  }

  /**
   * The portfolio answered: balances are known from here on (an account it did
   * not list stays unknown and its orders are refused). Evaluates every book
   * once, so a loss limit breached while risk was down switches the account now.
   */
  seedAccounts(accounts: readonly Account[]): TradingStateChange[] {
    for (const account of accounts) this.seedAccount(account);
    this.balancesUnknown = null;
    const changes: TradingStateChange[] = [];
    for (const book of this.books.values()) {
      const change = this.evaluate(book);
      if (change) changes.push(change);
    }
    return changes;
  }

  /** The day baselines and peaks to store; see restoreBaselines. */
  baselineSnapshot(): BaselineSnapshot {
    const accounts: BaselineSnapshot["accounts"] = [];
    for (const book of this.books.values()) {
      if (book.day < 0 || book.tracks.size === 0) continue;
      const currencies = [...book.tracks].map(([currency, t]) => ({
        currency,
        dayStartPnl: fx.fromFixed(t.dayStartPnl),
        dayStartRealized: fx.fromFixed(t.dayStartRealized),
        lastPnl: fx.fromFixed(t.lastPnl),
        lastRealized: fx.fromFixed(t.lastRealized),
        peakPnl: fx.fromFixed(t.peakPnl),
        dailyLossTripped: t.dailyLossTripped,
        drawdownTripped: t.drawdownTripped,
      }));
      accounts.push({ account: book.id, day: dayKey(book.day), currencies });
    }
    return { accounts };
  }

  /**
   * Before the start-up seed: the baselines of the day a previous run stored.
   * The same day, they stand as they were (a restart changes nothing); a later
   * day rolls over at the first evaluation from the last P&L stored.
   */
  restoreBaselines(snapshot: BaselineSnapshot): void {
    for (const stored of snapshot.accounts) {
      const book = this.bookOf(stored.account);
      book.day = dayFromKey(stored.day);
      for (const c of stored.currencies) {
        const track = book.track(c.currency);
        track.dayStartPnl = fx.toFixed(c.dayStartPnl);
        track.dayStartRealized = fx.toFixed(c.dayStartRealized);
        track.lastPnl = fx.toFixed(c.lastPnl);
        track.lastRealized = fx.toFixed(c.lastRealized);
        track.peakPnl = fx.toFixed(c.peakPnl);
        track.dailyLossTripped = c.dailyLossTripped;
        track.drawdownTripped = c.drawdownTripped;
        track.restored = true;
      }
    }
  }

  position(account: string, symbol: string): Fixed {
    return this.books.get(account)?.quantity(symbol) ?? 0n;
  }

  /**
   * `replaces`: the order this one replaces (an amend by cancel-replace): it is
   * left out of the working orders' sums, as the replacement stands for it.
   */
  check(order: Order, replaces?: string): RiskDecision {
    const decision = this.decide(order, replaces);
    decision.tsEvent = this.stamp();
    return decision;
  }

  private decide(order: Order, replaces: string | undefined): RiskDecision {
    const state = this.stateOf(order.account);
    if (state === "HALTED")
      return refuse("TRADING_HALTED", `trading is HALTED (${this.haltReason(order.account)}): only cancels pass`);
    const book = this.books.get(order.account);
    if (this.balancesUnknown !== null)
      return refuse("BALANCE_UNKNOWN", `balances are not known (${this.balancesUnknown}): orders wait until they are`);
    if (this.workingOrdersUnknown !== null)
      return refuse(
        "WORKING_ORDERS_UNKNOWN",
        `working orders are not known (${this.workingOrdersUnknown}): orders wait until the OMS lists them`,
      );
    if (this.requireBalances && !book?.known)
      return refuse(
        "BALANCE_UNKNOWN",
        `the portfolio does not list account ${order.account}, so its balances are unknown: orders wait until it does`,
      );
    const spec = this.catalog.spec(order.symbol);
    if (!spec) return refuse("UNKNOWN_INSTRUMENT", `unknown instrument ${order.symbol}`);
    const instrument = spec.instrument;

    const quantity = toFixedCached(order.quantity);
    if (quantity <= 0n) return refuse("QUANTITY", "quantity must be greater than zero");
    if (!fx.isMultipleOf(quantity, spec.lotSize))
      return refuse(
        "QUANTITY_PRECISION",
        `quantity ${order.quantity} is not a multiple of the lot size ${instrument.lotSize} of ${order.symbol}`,
      );
    if (quantity < spec.minQuantity)
      return refuse("MIN_QUANTITY", `quantity ${order.quantity} is below the minimum ${instrument.minQuantity}`);
    if (quantity > spec.maxQuantity)
      return refuse("MAX_QUANTITY", `quantity ${order.quantity} is above the maximum ${instrument.maxQuantity}`);

    const limitPrice = order.price === null ? null : toFixedCached(order.price);
    const stopPrice = order.stopPrice === null ? null : toFixedCached(order.stopPrice);
    if ((order.type === "LIMIT" || order.type === "STOP_LIMIT") && limitPrice === null)
      return refuse("PRICE", `a ${order.type} order needs a price`);
    const badPrice = this.priceProblem(spec, limitPrice, "price") ?? this.priceProblem(spec, stopPrice, "stop price");
    if (badPrice) return badPrice;

    const schedule = this.scheduleOf(spec);
    const phase = this.sessionClock.phase(schedule, this.now());
    if (phase === "CLOSED")
      return refuse(
        "SESSION_CLOSED",
        `${this.sessionClock.explain(schedule, this.now())}: not held, send it again in session`,
      );
    if (phase !== "OPEN" && (order.timeInForce === "IOC" || order.timeInForce === "FOK"))
      return refuse(
        "AUCTION_TIME_IN_FORCE",
        `${this.sessionClock.explain(schedule, this.now())}: ${order.timeInForce} orders are only taken in continuous trading`,
      );

    const market = this.marketOf(order.symbol);
    const collared =
      this.collarProblem(market, limitPrice, "price") ?? this.collarProblem(market, stopPrice, "stop price");
    if (collared) return collared;
    // Limits see the worst the order can trade at (a SELL LIMIT @ 1 sells at the market);
    // a venue's minimum order value is measured at the order's own price.
    const valued = this.valuation;
    if (!orderValue(valued, market, order.side, limitPrice, stopPrice, this.slippageFactor))
      return refuse("NO_PRICE", `no market price for ${order.symbol} to value the order`);
    const value = valued.value;
    const price = limitPrice ?? value;
    const notional = fx.mul(price, quantity);
    if (notional < spec.minNotional)
      return refuse(
        "MIN_NOTIONAL",
        `order notional ${fx.fromFixed(notional)} ${instrument.quote} is below the minimum ${instrument.minNotional}`,
      );
    const exposure = value === price ? notional : fx.mul(value, quantity);
    const limits = this.limits.for(order.account, order.symbol);
    if (exposure > limits.maxOrderNotional)
      return refuse(
        "MAX_ORDER_NOTIONAL",
        `order notional ${fx.fromFixed(exposure)} ${instrument.quote}${value === price ? "" : ` (valued at ${fx.fromFixed(value)}, the worst of its price and the market)`} exceeds the limit ${limits.wire.maxOrderNotional}`,
      );

    const current = book ? book.quantity(order.symbol) : 0n;
    // Working orders on the order's side may all fill before it: limits hold for the filled
    // position plus all of them (the order itself left out: a re-check, or reserved at approval).
    const working = this.openOrders.working(order.account, order.symbol);
    let sameSide = 0n;
    // The order this one replaces (cancel-replace) is left out of every sum here, as OpenOrders.reserve
    // leaves it out once approved: a working order of the account in this symbol, on the same side,
    // not ended (an ended one holds only fills not booked yet, which no replacement stands for).
    let replaced: string | undefined;
    // What of the order can still trade: all of it, but for an order risk already counts (a re-check, or a
    // native amend of a partly filled order) the fills booked for it are in `current` already.
    let open = quantity;
    if (working) {
      sameSide = order.side === "BUY" ? working.buy : working.sell;
      const own = working.orders.get(order.id);
      if (own && own.side === order.side) {
        sameSide -= own.remaining;
        if (!own.finished) open = fx.max(0n, quantity - this.openOrders.bookedFor(order.id));
      }
      const old = replaces === undefined || replaces === order.id ? undefined : working.orders.get(replaces);
      if (old && old.side === order.side && !old.finished) {
        sameSide -= old.remaining;
        replaced = replaces;
      }
    }
    // Built from current and quantity first: no working orders (the common case) costs no extra BigInt.
    let worst = order.side === "BUY" ? current + open : current - open;
    if (sameSide !== 0n) worst = order.side === "BUY" ? worst + sameSide : worst - sameSide;
    // Reduces only while the filled position still covers this order and every working order reducing it.
    const reduces = order.side === "SELL" ? current > 0n && worst >= 0n : current < 0n && worst <= 0n;
    // With no market price, a sell's own price says nothing of what a short it opens is worth.
    if (!valued.marketKnown && order.side === "SELL" && !reduces)
      return refuse(
        "NO_PRICE",
        `no market price for ${order.symbol}: a sell that opens or extends a short is valued at the market, not at its own price`,
      );
    if (state === "REDUCING" && !reduces)
      return refuse(
        "REDUCING_ONLY",
        sameSide > 0n && (order.side === "SELL" ? current > 0n : current < 0n)
          ? `trading is REDUCING (${this.reducingReason(order.account)}): the position of ${fx.fromFixed(fx.abs(current))} is already covered by working orders of ${fx.fromFixed(sameSide)} (protective stops included), so this one would not reduce it; cancel or amend them first`
          : `trading is REDUCING (${this.reducingReason(order.account)}): only orders that reduce a position pass`,
      );
    if (!reduces) {
      const positionNotional = fx.mul(fx.abs(worst), value);
      if (positionNotional > limits.maxPositionNotional)
        return refuse(
          "MAX_POSITION",
          `position in ${order.symbol} would be worth ${fx.fromFixed(positionNotional)} ${instrument.quote}${sameSide > 0n ? ` with the working orders on its side` : ""}, above the limit ${limits.wire.maxPositionNotional}`,
        );
      const accountLimits = this.limits.for(order.account);
      // In the account's base currency only: positions quoted in another currency are not converted.
      if (accountLimits.maxGrossExposure !== null && (!book || book.limitedIn(instrument.quote))) {
        const gross = this.grossExposure(order.account, book, instrument.quote, order.symbol) + positionNotional;
        if (gross > accountLimits.maxGrossExposure)
          return refuse(
            "MAX_GROSS_EXPOSURE",
            `gross exposure of ${order.account} would be ${fx.fromFixed(gross)} ${instrument.quote}, above the limit ${accountLimits.wire.maxGrossExposure}`,
          );
      }
    }

    if (book?.cash) {
      // A buy spends the quote, a sell the base: what the account owns of it (balance and holdings,
      // one number, see AccountBook.owned) less what its other working orders already spoke for
      // (the order it replaces left out: this one stands for it).
      const spends = order.side === "BUY" ? instrument.quote : instrument.base;
      const free =
        book.owned(spends) -
        this.openOrders.committed(order.account, spends, order.id, this.currenciesOf, this.reservePrice, replaced);
      if (order.side === "BUY") {
        // A priced order pays at most its price; an unpriced one what the market asks, plus the band.
        // (For an unpriced buy its value is the reserve price: the stop, last trade or ask, plus the band.)
        const cashPrice = limitPrice ?? value;
        const cost = fx.mul(cashPrice, open);
        const needed = cost + fx.mul(cost, spec.takerFee);
        if (needed > free)
          return refuse(
            "INSUFFICIENT_BALANCE",
            `needs ${fx.fromFixed(needed)} ${instrument.quote} with fees, ${fx.fromFixed(fx.max(0n, free))} is free`,
          );
      } else if (open > free)
        return refuse(
          "INSUFFICIENT_BALANCE",
          `a cash account sells only what it holds: ${fx.fromFixed(fx.max(0n, free))} ${instrument.base} free`,
        );
    }

    const crossed = this.openOrders.crossing(
      order.account,
      order.symbol,
      order.side,
      order.type === "MARKET" || order.type === "STOP_MARKET" ? null : limitPrice,
      order.id,
    );
    if (crossed)
      return refuse("SELF_TRADE", `would trade against the account's own open ${order.symbol} order ${crossed}`);

    const owner = this.recent.clientIdOwner(order);
    if (owner)
      return refuse(
        "DUPLICATE_CLIENT_ORDER_ID",
        `clientOrderId ${order.clientOrderId} was already used by order ${owner}`,
      );
    const twin = this.recent.identical(order, limits.duplicateWindowMs, this.now());
    if (twin)
      return refuse(
        "DUPLICATE_ORDER",
        `an identical order ${twin} was sent less than ${limits.duplicateWindowMs} ms ago; change it or wait`,
      );
    return { approved: true, rule: null, reason: null, tsEvent: "" };
  }

  /**
   * Remembers an approved order for the duplicate checks, and counts it as
   * working at once: the next check must see it even when the OMS's update
   * for it has not arrived yet (a burst of orders). An order already counted
   * (a native amend) holds the worst of its old and approved terms until the
   * OMS's next update; `replaces` leaves the replaced order out (see
   * OpenOrders.reserve). Returns the undo of the reservation.
   */
  accept(order: Order, replaces?: string): () => void {
    this.recent.remember(order, this.now(), this.limits.for(order.account, order.symbol).duplicateWindowMs);
    return this.openOrders.reserve(order, replaces);
  }

  /**
   * The price an unpriced buy reserves cash at: the highest of its stop price,
   * the last trade and the best ask known, plus the slippage band. Null when
   * none is known.
   */
  private readonly reservePrice = (symbol: string, stopPrice: Fixed | null): Fixed | null => {
    let reference = stopPrice ?? -1n;
    const last = this.marks.get(symbol);
    if (last !== undefined && last > reference) reference = last;
    const ask = this.asks.get(symbol);
    if (ask !== undefined) {
      const value = toFixedCached(ask);
      if (value > reference) reference = value;
    }
    return reference < 0n ? null : fx.mul(reference, this.slippageFactor);
  };

  private readonly currenciesOf = (symbol: string): { base: string; quote: string; takerFee: Fixed } | undefined => {
    const spec = this.catalog.spec(symbol);
    return spec ? { base: spec.instrument.base, quote: spec.instrument.quote, takerFee: spec.takerFee } : undefined;
  };

  /**
   * Σ |position| x mark over the account's other holdings quoted in
   * `currency`, each taken at its worst with the working orders: the larger of
   * long with every working buy filled and short with every working sell.
   */
  private grossExposure(account: string, book: AccountBook | undefined, currency: string, except: string): Fixed {
    let gross = book ? book.grossExposure(this.marks, currency, except) : 0n;
    const working = this.openOrders.symbolsOf(account);
    if (!working) return gross;
    for (const [symbol, w] of working) {
      if (symbol === except || (w.buy === 0n && w.sell === 0n)) continue;
      if (this.catalog.find(symbol)?.quote !== currency) continue;
      const held = book ? book.quantity(symbol) : 0n;
      const extra = fx.max(fx.abs(held + w.buy), fx.abs(held - w.sell)) - fx.abs(held);
      const mark = this.marks.get(symbol) ?? book?.holdings.get(symbol)?.averagePrice;
      if (mark !== undefined) gross += fx.mul(extra, mark);
    }
    return gross;
  }

  /** The symbol's market view; onPrice, onQuote and seedPosition drop it when what it is computed from moves. */
  private marketOf(symbol: string): MarketView {
    let view = this.markets.get(symbol);
    if (view === undefined) {
      const ask = this.asks.get(symbol);
      view = marketView(
        this.marks.get(symbol),
        ask === undefined ? undefined : toFixedCached(ask),
        this.slippageFactor,
        this.collarBps,
      );
      this.markets.set(symbol, view);
    }
    return view;
  }

  private collarProblem(market: MarketView, price: Fixed | null, what: string): RiskDecision | null {
    if (price === null) return null;
    const off = outsideCollar(market, price);
    if (off === null) return null;
    return refuse(
      "PRICE_COLLAR",
      `${what} ${fx.fromFixed(price)} is ${off}% from the last trade ${fx.fromFixed(market.last as Fixed)}; more than ${this.collarBps / 100}% away is refused`,
    );
  }

  private priceProblem(spec: InstrumentSpec, price: Fixed | null, what: string): RiskDecision | null {
    if (price === null) return null;
    if (price <= 0n) return refuse("PRICE", `${what} must be greater than zero`);
    const tick = tickSizeAt(spec, price);
    if (fx.isMultipleOf(price, tick)) return null;
    return refuse(
      "PRICE_PRECISION",
      `${what} ${fx.fromFixed(price)} is not a multiple of ${fx.fromFixed(tick)}, the tick of ${spec.instrument.symbol} at that price`,
    );
  }

  private scheduleOf(spec: InstrumentSpec): SessionSchedule {
    let schedule = this.schedules.get(spec.instrument.symbol);
    if (!schedule) {
      schedule = this.sessionOf(spec.instrument);
      this.schedules.set(spec.instrument.symbol, schedule);
    }
    return schedule;
  }

  private haltReason(account: string): string {
    const own = this.accountStates.get(account);
    return own?.state === "HALTED" ? `account ${account}: ${own.reason}` : this.platform.reason;
  }

  private reducingReason(account: string): string {
    const own = this.accountStates.get(account);
    return own?.state === "REDUCING" ? `account ${account}: ${own.reason}` : this.platform.reason;
  }

  /** The account's trading day now, in its own time zone. */
  private dayOf(book: AccountBook): number {
    return dayNumber(this.now(), this.tradingDays.offsetMs(book.id, book.venue));
  }

  /**
   * Daily loss and drawdown: a breach switches the account, once per breach,
   * never back by itself. Every currency's baseline moves; only the account's
   * limit currencies are compared with the limits, each on its own.
   */
  private evaluate(book: AccountBook): TradingStateChange | null {
    // Until the portfolio's positions are in, P&L is partial: an old loss or gain would look like today's.
    if (this.balancesUnknown !== null) return null;
    const limits = this.limits.for(book.id);
    const pnl = book.pnl(this.marks);
    const day = this.dayOf(book);
    const newDay = book.day !== day;
    book.day = day;
    for (const currency of book.limitCurrencies()) book.track(currency);
    for (const [currency, track] of book.tracks) {
      const now = pnl.get(currency) ?? 0n;
      const realized = book.realized.get(currency) ?? 0n;
      if (newDay) {
        // The day's baseline is the P&L at the boundary: as it stood at the last evaluation before it.
        track.dayStartPnl = track.lastPnl;
        track.dayStartRealized = track.lastRealized;
        track.dailyLossTripped = false;
      }
      track.lastPnl = now;
      track.lastRealized = realized;
      if (now > track.peakPnl) track.peakPnl = now;
    }
    this.baselinesDirty = true;
    for (const currency of book.limitCurrencies()) {
      const change = this.evaluateIn(book, currency, limits);
      if (change) return change;
    }
    return null;
  }

  private evaluateIn(book: AccountBook, currency: string, limits: ResolvedLimits): TradingStateChange | null {
    const track = book.track(currency);
    const loss = track.dayStartPnl - track.lastPnl;
    if (limits.dailyLossLimit !== null && loss >= limits.dailyLossLimit && !track.dailyLossTripped) {
      track.dailyLossTripped = true;
      const change = this.escalate(
        book.id,
        limits.wire.dailyLossAction ?? "HALTED",
        `daily loss ${fx.fromFixed(loss)} ${currency} reached the limit ${limits.wire.dailyLossLimit}`,
      );
      if (change) return change;
    }
    const drawdown = track.peakPnl - track.lastPnl;
    if (limits.maxDrawdown === null || drawdown < limits.maxDrawdown) {
      track.drawdownTripped = false;
      return null;
    }
    if (track.drawdownTripped) return null;
    track.drawdownTripped = true;
    return this.escalate(
      book.id,
      limits.wire.drawdownAction ?? "REDUCING",
      `drawdown ${fx.fromFixed(drawdown)} ${currency} from the P&L peak reached the limit ${limits.wire.maxDrawdown}`,
    );
  }

  private escalate(account: string, state: TradingState, reason: string): TradingStateChange | null {
    const current = this.accountStates.get(account)?.state ?? "ACTIVE";
    if (SEVERITY[current] >= SEVERITY[state]) return null;
    return this.setState(state, reason, "risk-management", { account, cancelOpenOrders: state === "HALTED" });
  }

  private bookOf(account: string): AccountBook {
    let book = this.books.get(account);
    if (!book) {
      book = new AccountBook(account);
      this.books.set(account, book);
    }
    return book;
  }

  private holdersOf(symbol: string): Set<string> {
    let set = this.holders.get(symbol);
    if (!set) {
      set = new Set();
      this.holders.set(symbol, set);
    }
    return set;
  }
}
