import { type Fixed, fx, ORDER_STATUSES, type Order, type Side } from "@jts/contracts";

/**
 * Statuses after which an order can no longer trade. Every other status (NEW,
 * ACCEPTED, PARTIALLY_FILLED, and any in-flight state the OMS adds, such as
 * "sent, outcome unknown") is working: it keeps holding cash and exposure,
 * because the venue may still fill it. Listing the terminal ones instead of
 * the open ones makes a new in-flight status count as working by itself.
 */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["FILLED", "CANCELED", "REJECTED", "EXPIRED"]);
export const isWorking = (status: string): boolean => !TERMINAL_STATUSES.has(status);
/** The statuses whose orders risk loads from the OMS at start. */
export const WORKING_STATUSES = ORDER_STATUSES.filter(isWorking);

interface Resting {
  side: Side;
  /** Null for a MARKET or STOP_MARKET order, which takes any price. */
  price: Fixed | null;
  stopPrice: Fixed | null;
  remaining: Fixed;
}

/** What the working orders of one account in one symbol add up to, kept as orders come and go. */
export interface Working {
  readonly orders: Map<string, Resting>;
  /** Remaining quantity of the working buys and of the working sells. */
  buy: Fixed;
  sell: Fixed;
}

/** Prices an unpriced (MARKET or STOP_MARKET) buy for the cash it holds: see RiskEngine.reservePrice. */
export type ReservePrice = (symbol: string, stopPrice: Fixed | null) => Fixed | null;

/**
 * Approved orders the OMS has not reported yet hold their share for this long;
 * the OMS's first update (NEW, the moment it stored the order) replaces them.
 * Only an order approved through a bare `risk.check` that never reached the
 * OMS stays unreported, and it must not hold cash for ever.
 */
const PROVISIONAL_MS = 60_000;
/** Orders seen terminal, remembered so a start-up snapshot older than their last update does not revive them. */
const TOMBSTONES = 10_000;

/**
 * The orders still working at the venue, from the OMS's order updates (and
 * the orders risk approved a moment ago, before their first update arrives):
 * what a new order could trade against (self-trade prevention), what open
 * buys hold of an account's cash and open sells of its holdings, and how far
 * working orders could take each position.
 */
export class OpenOrders {
  /** account -> symbol -> working orders. */
  private readonly byAccount = new Map<string, Map<string, Working>>();
  /** Approved, not yet reported: order id -> (account, symbol, approved at), oldest first. */
  private readonly provisional = new Map<string, { account: string; symbol: string; atMs: number }>();
  private readonly finished = new Set<string>();
  /** Orders an approved replacement stands for (cancel-replace), out of the sums until they end. */
  private readonly superseded = new Map<string, { account: string; symbol: string; resting: Resting; by: string }>();
  /** Replacement order id -> the order it replaces. */
  private readonly replacementOf = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  onOrder(order: Order): void {
    this.provisional.delete(order.id);
    const superseded = this.superseded.get(order.id);
    if (superseded) {
      // Replaced by an approved order (cancel-replace): it stays out of the sums until it ends, and
      // is never taken out of them a second time when its terminal update comes.
      if (isWorking(order.status)) superseded.resting = restingOf(order);
      else {
        this.superseded.delete(order.id);
        this.replacementOf.delete(superseded.by);
        this.tombstone(order.id);
      }
      return;
    }
    if (!isWorking(order.status)) {
      this.remove(order.account, order.symbol, order.id);
      this.tombstone(order.id);
      this.replacementEnded(order.id);
      return;
    }
    // The OMS's update is the truth: it replaces whatever risk reserved (an amend's worst case included).
    this.insert(order.account, order.symbol, order.id, restingOf(order));
  }

  /**
   * An order risk just approved holds its share until the OMS reports it (or
   * PROVISIONAL_MS pass). One it already counts (a native amend: the same
   * order at a new price or quantity) holds the worst of what it was and what
   * was approved until the OMS's next update says which stands: the venue may
   * fill the old terms before it amends, or refuse the amend. `replaces`: the
   * order this one replaces (cancel-replace) leaves the sums now, and stays out
   * until the OMS reports it ended (or this one ends first). Returns the undo,
   * for an approval withdrawn before it was answered (the submit rate refused).
   */
  reserve(order: Order, replaces?: string): () => void {
    if (this.finished.has(order.id)) return () => {};
    const working = this.byAccount.get(order.account)?.get(order.symbol);
    const before = working?.orders.get(order.id);
    const approved = restingOf(order);
    const resting = before ? worstOf(before, approved) : approved;
    this.insert(order.account, order.symbol, order.id, resting);
    if (!before) this.provisional.set(order.id, { account: order.account, symbol: order.symbol, atMs: this.now() });
    const old = replaces === undefined || replaces === order.id ? undefined : working?.orders.get(replaces);
    if (old && old.side === order.side) {
      this.remove(order.account, order.symbol, replaces as string);
      this.superseded.set(replaces as string, {
        account: order.account,
        symbol: order.symbol,
        resting: old,
        by: order.id,
      });
      this.replacementOf.set(order.id, replaces as string);
    }
    return () => {
      const current = this.byAccount.get(order.account)?.get(order.symbol);
      // Only what this reservation put there: an update the OMS sent meanwhile stands.
      if (current?.orders.get(order.id) === resting) {
        if (before) this.insert(order.account, order.symbol, order.id, before);
        else {
          this.drop(current, order.id);
          this.provisional.delete(order.id);
        }
      }
      if (old && this.replacementOf.get(order.id) === replaces) this.replacementEnded(order.id);
    };
  }

  /** Working orders from a start-up snapshot: only those no update has told about yet. */
  seed(orders: readonly Order[]): number {
    let added = 0;
    for (const order of orders) {
      if (!isWorking(order.status) || this.finished.has(order.id) || this.has(order)) continue;
      if (this.superseded.has(order.id)) continue;
      this.put(order);
      added++;
    }
    return added;
  }

  /** The working orders of an account in a symbol, or undefined when it has none. */
  working(account: string, symbol: string): Working | undefined {
    this.expire();
    const working = this.byAccount.get(account)?.get(symbol);
    return working && working.orders.size > 0 ? working : undefined;
  }

  /** Every symbol an account has working orders in. */
  symbolsOf(account: string): ReadonlyMap<string, Working> | undefined {
    this.expire();
    return this.byAccount.get(account);
  }

  /** An own resting (priced) order on the other side that a new order at `price` (null: any price) would trade against. */
  crossing(account: string, symbol: string, side: Side, price: Fixed | null, except: string): string | null {
    const orders = this.working(account, symbol)?.orders;
    if (!orders) return null;
    for (const [id, resting] of orders) {
      // A MARKET or STOP_MARKET order never rests on the book (it fills or expires at once), so
      // nothing trades against it: only priced orders on the other side can be crossed.
      if (id === except || resting.side === side || resting.price === null) continue;
      if (price === null) return id;
      if (side === "BUY" ? resting.price <= price : resting.price >= price) return id;
    }
    return null;
  }

  /**
   * Cash the account's working buys in symbols quoted in `quote` hold (their
   * price, or for unpriced buys the reserve price, times what remains, plus
   * the fee), and the quantity the working sells of `symbol` hold. `except`
   * (the order checked) and `replaces` (the order it replaces) are left out.
   */
  held(
    account: string,
    symbol: string,
    except: string,
    quoteOf: (symbol: string) => { quote: string; takerFee: Fixed } | undefined,
    quote: string,
    reservePrice: ReservePrice,
    replaces?: string,
  ): { cash: Fixed; quantity: Fixed } {
    let cash = 0n;
    let quantity = 0n;
    const bySymbol = this.symbolsOf(account);
    if (!bySymbol) return { cash, quantity };
    for (const [sym, working] of bySymbol) {
      if (sym === symbol)
        for (const [id, r] of working.orders)
          if (r.side === "SELL" && id !== except && id !== replaces) quantity += r.remaining;
      if (working.buy === 0n) continue;
      const spec = quoteOf(sym);
      if (spec && spec.quote !== quote) continue;
      for (const [id, r] of working.orders) {
        if (id === except || id === replaces || r.side !== "BUY") continue;
        // An unpriced buy with no price known at all holds nothing here; the order itself was
        // refused NO_PRICE at its check, so this only happens for orders seeded before any tick.
        const price = r.price ?? reservePrice(sym, r.stopPrice) ?? 0n;
        const notional = fx.mul(price, r.remaining);
        cash += notional + (spec ? fx.mul(notional, spec.takerFee) : 0n);
      }
    }
    return { cash, quantity };
  }

  private has(order: Order): boolean {
    return this.byAccount.get(order.account)?.get(order.symbol)?.orders.has(order.id) ?? false;
  }

  private put(order: Order): void {
    this.insert(order.account, order.symbol, order.id, restingOf(order));
  }

  private insert(account: string, symbol: string, id: string, resting: Resting): void {
    let symbols = this.byAccount.get(account);
    if (!symbols) {
      symbols = new Map();
      this.byAccount.set(account, symbols);
    }
    let working = symbols.get(symbol);
    if (!working) {
      working = { orders: new Map(), buy: 0n, sell: 0n };
      symbols.set(symbol, working);
    }
    this.drop(working, id);
    working.orders.set(id, resting);
    if (resting.side === "BUY") working.buy += resting.remaining;
    else working.sell += resting.remaining;
  }

  private tombstone(id: string): void {
    this.finished.add(id);
    if (this.finished.size > TOMBSTONES) this.finished.delete(this.finished.values().next().value as string);
  }

  /**
   * A replacement ended (terminal, expired unreported, or its approval
   * withdrawn) while the order it replaced was not reported ended: that
   * order may still work (the cancel failed), so it counts again.
   */
  private replacementEnded(id: string): void {
    const replaced = this.replacementOf.get(id);
    if (replaced === undefined) return;
    this.replacementOf.delete(id);
    const entry = this.superseded.get(replaced);
    if (!entry) return;
    this.superseded.delete(replaced);
    this.insert(entry.account, entry.symbol, replaced, entry.resting);
  }

  private remove(account: string, symbol: string, id: string): void {
    const working = this.byAccount.get(account)?.get(symbol);
    if (working) this.drop(working, id);
  }

  private drop(working: Working, id: string): void {
    const old = working.orders.get(id);
    if (!old) return;
    working.orders.delete(id);
    if (old.side === "BUY") working.buy -= old.remaining;
    else working.sell -= old.remaining;
  }

  /** Drops approvals the OMS never reported; O(1) while nothing is due (oldest first). */
  private expire(): void {
    if (this.provisional.size === 0) return;
    const cutoff = this.now() - PROVISIONAL_MS;
    for (const [id, entry] of this.provisional) {
      if (entry.atMs > cutoff) return;
      this.provisional.delete(id);
      this.remove(entry.account, entry.symbol, id);
      this.replacementEnded(id);
      // A replaced order that was itself never reported: nothing will end it.
      const superseded = this.superseded.get(id);
      if (superseded) {
        this.superseded.delete(id);
        this.replacementOf.delete(superseded.by);
      }
    }
  }
}

function restingOf(order: Order): Resting {
  return {
    side: order.side,
    price: order.price === null ? null : fx.toFixed(order.price),
    stopPrice: order.stopPrice === null ? null : fx.toFixed(order.stopPrice),
    remaining: fx.max(0n, fx.toFixed(order.quantity) - fx.toFixed(order.filledQuantity)),
  };
}

/**
 * An order counted at its old terms and approved at new ones (a native
 * amend), until the venue's answer arrives: the larger remainder, and the
 * price that holds the most (a buy's highest, which also crosses the most; a
 * sell's lowest, which crosses the most). Unpriced on either side: unpriced.
 */
function worstOf(a: Resting, b: Resting): Resting {
  const higher = (x: Fixed | null, y: Fixed | null) => (x === null || y === null ? null : x > y ? x : y);
  const lower = (x: Fixed | null, y: Fixed | null) => (x === null || y === null ? null : x < y ? x : y);
  return {
    side: b.side,
    price: b.side === "BUY" ? higher(a.price, b.price) : lower(a.price, b.price),
    stopPrice: b.side === "BUY" ? higher(a.stopPrice, b.stopPrice) : (b.stopPrice ?? a.stopPrice),
    remaining: fx.max(a.remaining, b.remaining),
  };
}

/**
 * Orders approved recently: a second order with a clientOrderId already used
 * by another order of the account, or the same order again (account, symbol,
 * side, type, quantity, price, stop price) inside the duplicate window, is
 * refused. Lookups go through nested maps and compare fields, so a check
 * builds no key strings. Bounded: past `capacity` client ids per account the
 * oldest go first; identical-order entries leave once out of their window.
 */
export class RecentOrders {
  /** account -> clientOrderId -> order id. */
  private readonly byClientId = new Map<string, Map<string, string>>();
  /** account -> symbol -> recently approved orders, oldest first. */
  private readonly bySymbol = new Map<string, Map<string, Array<{ order: Order; atMs: number }>>>();

  constructor(private readonly capacity = 100_000) {}

  /** The other order that already used this clientOrderId, if any. */
  clientIdOwner(order: Order): string | null {
    const owner = this.byClientId.get(order.account)?.get(order.clientOrderId);
    return owner !== undefined && owner !== order.id ? owner : null;
  }

  /** The other identical order approved less than `windowMs` ago, if any. */
  identical(order: Order, windowMs: number, nowMs: number): string | null {
    if (windowMs <= 0) return null;
    const recent = this.bySymbol.get(order.account)?.get(order.symbol);
    if (!recent) return null;
    for (let i = recent.length - 1; i >= 0; i--) {
      const seen = recent[i] as { order: Order; atMs: number };
      if (nowMs - seen.atMs >= windowMs) break;
      const o = seen.order;
      if (
        o.id !== order.id &&
        o.side === order.side &&
        o.type === order.type &&
        o.quantity === order.quantity &&
        o.price === order.price &&
        o.stopPrice === order.stopPrice
      )
        return o.id;
    }
    return null;
  }

  remember(order: Order, nowMs: number, windowMs: number): void {
    let ids = this.byClientId.get(order.account);
    if (!ids) {
      ids = new Map();
      this.byClientId.set(order.account, ids);
    }
    ids.set(order.clientOrderId, order.id);
    while (ids.size > this.capacity) {
      const oldest = ids.keys().next().value;
      if (oldest === undefined) break;
      ids.delete(oldest);
    }
    let symbols = this.bySymbol.get(order.account);
    if (!symbols) {
      symbols = new Map();
      this.bySymbol.set(order.account, symbols);
    }
    const recent = symbols.get(order.symbol) ?? [];
    let expired = 0;
    while (expired < recent.length && nowMs - (recent[expired] as { atMs: number }).atMs >= windowMs) expired++;
    if (expired > 0) recent.splice(0, expired);
    if (windowMs > 0) recent.push({ order, atMs: nowMs });
    symbols.set(order.symbol, recent);
  }
}
