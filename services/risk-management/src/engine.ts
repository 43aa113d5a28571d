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
import { LimitBook, type ResolvedLimits } from "./limits.ts";
import { OpenOrders, RecentOrders } from "./orders.ts";

export interface RiskEngineOptions {
  /**
   * The clock in ms: sessions, the day's baseline, duplicate windows and every
   * stamp (decisions, state changes) read it. The wall clock live; tests pin it,
   * a backtest passes market time.
   */
  now?: () => number;
  /** The session an instrument trades in; around the clock when not given. */
  sessions?: (instrument: Instrument) => SessionSchedule;
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
const KST_OFFSET_MS = 9 * 3600_000;
const DAY_MS = 86_400_000;

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
const refuse = (rule: string, reason: string): RiskDecision => ({ approved: false, rule, reason, tsEvent: "" });

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
  readonly openOrders = new OpenOrders();
  private platform: StateRecord;
  private readonly accountStates = new Map<string, StateRecord>();
  private readonly books = new Map<string, AccountBook>();
  /** symbol -> accounts holding it, so a tick re-values only those. */
  private readonly holders = new Map<string, Set<string>>();
  private readonly marks = new Map<string, Fixed>();
  private readonly recent = new RecentOrders();
  private readonly sessionClock = new SessionClock();
  private readonly schedules = new Map<string, SessionSchedule>();
  private readonly now: () => number;
  /** Event time stamps: ns from the injected clock, the process's ns clock when none was given. */
  private readonly stamp: () => string;
  private readonly sessionOf: (instrument: Instrument) => SessionSchedule;

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
      currencies,
    };
  }

  private currencyStatus(book: AccountBook): CurrencyRiskStatus[] {
    const pnl = book.pnl(this.marks);
    const today = book.day === this.day();
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
    this.holdersOf(fill.symbol).add(fill.account);
    const change = this.evaluate(book);
    return change ? [change] : [];
  }

  onOrder(order: Order): void {
    this.openOrders.onOrder(order);
  }

  seedPosition(position: Position): void {
    this.bookOf(position.account).seedPosition(position);
    this.holdersOf(position.symbol).add(position.account);
    if (position.lastPrice !== null && !this.marks.has(position.symbol))
      this.marks.set(position.symbol, fx.toFixed(position.lastPrice));
  }

  /** Cash accounts get the free-balance check from here on. */
  seedAccount(account: Account): void {
    this.bookOf(account.id).seedAccount(account);
  }

  position(account: string, symbol: string): Fixed {
    return this.books.get(account)?.quantity(symbol) ?? 0n;
  }

  check(order: Order): RiskDecision {
    const decision = this.decide(order);
    decision.tsEvent = this.stamp();
    return decision;
  }

  private decide(order: Order): RiskDecision {
    const state = this.stateOf(order.account);
    if (state === "HALTED")
      return refuse("TRADING_HALTED", `trading is HALTED (${this.haltReason(order.account)}): only cancels pass`);
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

    const price = limitPrice ?? stopPrice ?? this.marks.get(order.symbol);
    if (price === undefined) return refuse("NO_PRICE", `no market price for ${order.symbol} to value the order`);
    const notional = fx.mul(price, quantity);
    if (notional < spec.minNotional)
      return refuse(
        "MIN_NOTIONAL",
        `order notional ${fx.fromFixed(notional)} ${instrument.quote} is below the minimum ${instrument.minNotional}`,
      );
    const limits = this.limits.for(order.account, order.symbol);
    if (notional > limits.maxOrderNotional)
      return refuse(
        "MAX_ORDER_NOTIONAL",
        `order notional ${fx.fromFixed(notional)} ${instrument.quote} exceeds the limit ${limits.wire.maxOrderNotional}`,
      );

    const book = this.books.get(order.account);
    const current = book ? book.quantity(order.symbol) : 0n;
    const after = current + (order.side === "BUY" ? quantity : -quantity);
    const reduces = fx.abs(after) < fx.abs(current) && (current > 0n ? after >= 0n : after <= 0n);
    if (state === "REDUCING" && !reduces)
      return refuse(
        "REDUCING_ONLY",
        `trading is REDUCING (${this.reducingReason(order.account)}): only orders that reduce a position pass`,
      );
    if (!reduces) {
      const positionNotional = fx.mul(fx.abs(after), price);
      if (positionNotional > limits.maxPositionNotional)
        return refuse(
          "MAX_POSITION",
          `position in ${order.symbol} would be worth ${fx.fromFixed(positionNotional)} ${instrument.quote}, above the limit ${limits.wire.maxPositionNotional}`,
        );
      const accountLimits = this.limits.for(order.account);
      // In the account's base currency only: positions quoted in another currency are not converted.
      if (accountLimits.maxGrossExposure !== null && (!book || book.limitedIn(instrument.quote))) {
        const gross = (book ? book.grossExposure(this.marks, instrument.quote, order.symbol) : 0n) + positionNotional;
        if (gross > accountLimits.maxGrossExposure)
          return refuse(
            "MAX_GROSS_EXPOSURE",
            `gross exposure of ${order.account} would be ${fx.fromFixed(gross)} ${instrument.quote}, above the limit ${accountLimits.wire.maxGrossExposure}`,
          );
      }
    }

    if (book?.cash) {
      const held = this.openOrders.held(order.account, order.symbol, order.id);
      if (order.side === "BUY") {
        const needed = notional + fx.mul(notional, spec.takerFee);
        const free = (book.cash.get(instrument.quote) ?? 0n) - held.cash;
        if (needed > free)
          return refuse(
            "INSUFFICIENT_BALANCE",
            `needs ${fx.fromFixed(needed)} ${instrument.quote} with fees, ${fx.fromFixed(fx.max(0n, free))} is free`,
          );
      } else {
        const free = fx.max(0n, current) - held.quantity;
        if (quantity > free)
          return refuse(
            "INSUFFICIENT_BALANCE",
            `a cash account sells only what it holds: ${fx.fromFixed(fx.max(0n, free))} ${instrument.base} free`,
          );
      }
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

  /** Remembers an approved order for the duplicate checks. */
  accept(order: Order): void {
    this.recent.remember(order, this.now(), this.limits.for(order.account, order.symbol).duplicateWindowMs);
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

  private day(): number {
    return Math.floor((this.now() + KST_OFFSET_MS) / DAY_MS);
  }

  /**
   * Daily loss and drawdown: a breach switches the account, once per breach,
   * never back by itself. Every currency's baseline moves; only the account's
   * limit currencies are compared with the limits, each on its own.
   */
  private evaluate(book: AccountBook): TradingStateChange | null {
    const limits = this.limits.for(book.id);
    const pnl = book.pnl(this.marks);
    const day = this.day();
    const newDay = book.day !== day;
    book.day = day;
    for (const currency of book.limitCurrencies()) book.track(currency);
    for (const [currency, track] of book.tracks) {
      const now = pnl.get(currency) ?? 0n;
      if (newDay) {
        track.dayStartPnl = track.lastPnl;
        track.dailyLossTripped = false;
      }
      track.lastPnl = now;
      if (now > track.peakPnl) track.peakPnl = now;
    }
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
