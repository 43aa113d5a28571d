import { type Fixed, fx, ORDER_STATUSES, type Order, type Side } from "@jts/contracts";
import { oldestKeyDropper } from "@jts/kit";

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
  /** What it still holds: see OpenOrders.hold. */
  remaining: Fixed;
  /** The order's size and how much of it the OMS last said filled. */
  quantity: Fixed;
  filled: Fixed;
  /** Terminal at the OMS, kept only until risk has booked the fills the OMS counted (its fills come on another topic). */
  finished: boolean;
  /** The OMS's updatedAt (ns) of the update it holds from: an older update changes nothing. */
  updatedAt: string;
}

/** What the working orders of one account in one symbol add up to, kept as orders come and go. */
export interface Working {
  readonly account: string;
  readonly symbol: string;
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
/** Orders seen terminal, remembered so a late or start-up update older than their last one does not revive them. */
const TOMBSTONES = 10_000;
/**
 * A finished order whose fills risk has not all booked holds what is not
 * booked for this long at most: the OMS publishes a fill before the order's
 * update, so the fill is normally a few ms behind. Past this it is taken as
 * booked by the start-up seed (a fill risk will not see again).
 */
const UNBOOKED_MS = 60_000;
/** Fill quantity booked per order id, kept for orders not seen (yet); bounded. */
const BOOKED = 10_000;

/** Whether ns timestamp `a` is earlier than `b` (digit strings; an empty one is never earlier). */
function earlier(a: string, b: string): boolean {
  if (a === "" || b === "") return false;
  return a.length !== b.length ? a.length < b.length : a < b;
}

type Due = Map<string, { account: string; symbol: string; atMs: number }>;

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
  private readonly provisional: Due = new Map();
  /** Finished orders still waiting for fills to be booked: order id -> (account, symbol, finished at), oldest first. */
  private readonly unbooked: Due = new Map();
  /** Order id -> updatedAt of its terminal update. */
  private readonly finished = new Map<string, string>();
  /** Order id -> fill quantity booked for it (by RiskEngine.onFill, or taken as booked from a start-up snapshot). */
  private readonly booked = new Map<string, Fixed>();
  /** The bounds of `finished` and `booked`: their oldest entries go first (eviction.ts says why not keys().next()). */
  private readonly dropOldestFinished = oldestKeyDropper(this.finished);
  private readonly dropOldestBooked = oldestKeyDropper(this.booked);
  /**
   * Orders an approved replacement stands for (cancel-replace), out of the
   * sums until they end: their last terms (for when they count again) and the
   * replacement's id.
   */
  private readonly superseded = new Map<string, { account: string; symbol: string; resting: Resting; by: string }>();
  /** Replacement order id -> the order it replaces. */
  private readonly replacementOf = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * An update from the OMS. One older than what is held (updatedAt), or a
   * working one for an order already finished at a later or equal time, is
   * late and changes nothing (a canceled order never holds cash again). A
   * terminal one keeps the order only for fills the OMS counted that risk has
   * not booked yet: order.updated and order.fill are two topics, either may
   * come first. The OMS's update is the truth: it replaces whatever risk
   * reserved (an amend's worst case included).
   */
  onOrder(order: Order): void {
    this.provisional.delete(order.id);
    const superseded = this.superseded.get(order.id);
    const held = superseded?.resting ?? this.get(order);
    if (held && earlier(order.updatedAt, held.updatedAt)) return;
    const working = isWorking(order.status);
    const endedAt = this.finished.get(order.id);
    if (working && endedAt !== undefined && !earlier(endedAt, order.updatedAt)) return;
    if (superseded) {
      // Replaced by an approved order (cancel-replace): while it works it stays out of the sums (the
      // replacement stands for it), its terms kept for when it counts again.
      if (working) {
        superseded.resting = restingOf(order, false);
        return;
      }
      // Ended: it was never in the sums since it was replaced, so nothing is taken out of them a second
      // time; below it holds only fills the OMS counted that risk has not booked yet, like any order.
      this.superseded.delete(order.id);
      this.replacementOf.delete(superseded.by);
    }
    if (!working) {
      this.finished.set(order.id, order.updatedAt);
      if (this.finished.size > TOMBSTONES) this.dropOldestFinished();
    } else this.finished.delete(order.id);
    this.put(order, !working);
    if (!working) this.replacementEnded(order.id);
  }

  /** A fill risk booked: the order holds that much less (and a finished one goes once all its fills are booked). */
  onFill(orderId: string, account: string, symbol: string, quantity: Fixed): void {
    this.booked.set(orderId, (this.booked.get(orderId) ?? 0n) + quantity);
    if (this.booked.size > BOOKED) this.dropOldestBooked();
    const working = this.byAccount.get(account)?.get(symbol);
    const resting = working?.orders.get(orderId);
    if (!working || !resting) return;
    this.drop(working, orderId);
    this.hold(working, orderId, resting);
  }

  /** The fill quantity risk booked for an order (0 when none, or once a finished order has left). */
  bookedFor(orderId: string): Fixed {
    return this.booked.get(orderId) ?? 0n;
  }

  /**
   * An order risk just approved holds its share until the OMS reports it (or
   * PROVISIONAL_MS pass). One it already counts (a native amend: the same
   * order at a new price or quantity) holds the worst of what it was and what
   * was approved until the OMS's next update says which stands: the venue may
   * fill the old terms before it amends, or refuse the amend. `replaces`: the
   * order this one replaces (cancel-replace) leaves the sums now, and stays out
   * until the OMS reports it ended (or this one ends first); one that already
   * ended and only holds fills not booked yet keeps holding them. Returns the
   * undo, for an approval withdrawn before it was answered (the submit rate
   * refused).
   */
  reserve(order: Order, replaces?: string): () => void {
    const working = this.byAccount.get(order.account)?.get(order.symbol);
    const before = working?.orders.get(order.id);
    if (this.finished.has(order.id) || before?.finished) return () => {};
    const approved = restingOf(order, false);
    const resting = before ? worstOf(before, approved) : approved;
    this.insert(order.account, order.symbol, order.id, resting);
    if (!before) this.provisional.set(order.id, { account: order.account, symbol: order.symbol, atMs: this.now() });
    const old = replaces === undefined || replaces === order.id ? undefined : working?.orders.get(replaces);
    if (old && old.side === order.side && !old.finished) {
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
      // Only what this reservation put there: an update the OMS sent meanwhile stands (a booked fill
      // keeps the same entry, and the restored terms hold less by it: see hold).
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

  /**
   * Working orders from a start-up snapshot: only those no update has told
   * about yet. What the OMS says filled of them is in the portfolio's
   * positions risk seeded from, so it counts as booked.
   */
  seed(orders: readonly Order[]): number {
    let added = 0;
    for (const order of orders) {
      if (!isWorking(order.status) || this.finished.has(order.id)) continue;
      const filled = fx.toFixed(order.filledQuantity);
      const known = this.get(order);
      if (filled > (this.booked.get(order.id) ?? 0n)) {
        this.booked.set(order.id, filled);
        // An update came first (held from fills booked here only): it holds what is left now.
        if (known) this.onFill(order.id, order.account, order.symbol, 0n);
      }
      // Replaced since: its replacement stands for it.
      if (known || this.superseded.has(order.id)) continue;
      this.put(order, false);
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
      if (id === except || resting.side === side || resting.price === null || resting.finished) continue;
      if (price === null) return id;
      if (side === "BUY" ? resting.price <= price : resting.price >= price) return id;
    }
    return null;
  }

  /**
   * How much of `currency` the account's working orders (but `except`, the
   * order checked, and `replaces`, the order it replaces) have spoken for:
   * each working buy of a symbol quoted in it, its price (for an unpriced buy
   * the reserve price) times what remains plus the taker fee, and each working
   * sell of a symbol whose base it is (a coin, or a stock), what remains. One
   * pool: a BTC-KRW sell and an ETH-BTC buy draw on the same BTC.
   */
  committed(
    account: string,
    currency: string,
    except: string,
    currenciesOf: (symbol: string) => { base: string; quote: string; takerFee: Fixed } | undefined,
    reservePrice: ReservePrice,
    replaces?: string,
  ): Fixed {
    let committed = 0n;
    const bySymbol = this.symbolsOf(account);
    if (!bySymbol) return committed;
    for (const [symbol, working] of bySymbol) {
      if (working.orders.size === 0) continue;
      const spec = currenciesOf(symbol);
      const quoted = spec ? spec.quote === currency : true;
      const based = spec?.base === currency;
      if (!(quoted && working.buy !== 0n) && !(based && working.sell !== 0n)) continue;
      for (const [id, r] of working.orders) {
        if (id === except || id === replaces) continue;
        if (r.side === "SELL") {
          if (based) committed += r.remaining;
          continue;
        }
        if (!quoted) continue;
        // An unpriced buy with no price known at all holds nothing here; the order itself was
        // refused NO_PRICE at its check, so this only happens for orders seeded before any tick.
        const price = r.price ?? reservePrice(symbol, r.stopPrice) ?? 0n;
        const notional = fx.mul(price, r.remaining);
        committed += notional + (spec ? fx.mul(notional, spec.takerFee) : 0n);
      }
    }
    return committed;
  }

  private get(order: Order): Resting | undefined {
    return this.byAccount.get(order.account)?.get(order.symbol)?.orders.get(order.id);
  }

  private put(order: Order, finished: boolean): void {
    this.insert(order.account, order.symbol, order.id, restingOf(order, finished));
  }

  private insert(account: string, symbol: string, id: string, resting: Resting): void {
    let symbols = this.byAccount.get(account);
    if (!symbols) {
      symbols = new Map();
      this.byAccount.set(account, symbols);
    }
    let working = symbols.get(symbol);
    if (!working) {
      working = { account, symbol, orders: new Map(), buy: 0n, sell: 0n };
      symbols.set(symbol, working);
    }
    this.drop(working, id);
    this.hold(working, id, resting);
  }

  /**
   * What an order holds is counted from the fills risk booked, not from the
   * OMS's filledQuantity, so a position and its working orders never both
   * miss a fill: a working order holds its quantity minus the fills booked; a
   * finished one the fills the OMS counted that are not booked yet, and goes
   * once there are none (or after UNBOOKED_MS).
   */
  private hold(working: Working, id: string, resting: Resting): void {
    const booked = this.booked.get(id) ?? 0n;
    resting.remaining = fx.max(0n, (resting.finished ? resting.filled : resting.quantity) - booked);
    if (!resting.finished) this.unbooked.delete(id);
    else if (resting.remaining === 0n) {
      this.unbooked.delete(id);
      this.booked.delete(id);
      return;
    }
    working.orders.set(id, resting);
    if (resting.side === "BUY") working.buy += resting.remaining;
    else working.sell += resting.remaining;
    if (resting.finished && !this.unbooked.has(id))
      this.unbooked.set(id, { account: working.account, symbol: working.symbol, atMs: this.now() });
  }

  /**
   * A replacement ended (terminal, expired unreported, or its approval
   * withdrawn) while the order it replaced was not reported ended: that
   * order may still work (the cancel failed), so it counts again, less the
   * fills booked for it meanwhile.
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

  /**
   * Drops approvals the OMS never reported and finished orders whose fills
   * never came; O(1) while nothing is due (each map is oldest first).
   */
  private expire(): void {
    if (this.provisional.size > 0) this.expireFrom(this.provisional, this.now() - PROVISIONAL_MS);
    if (this.unbooked.size > 0) this.expireFrom(this.unbooked, this.now() - UNBOOKED_MS);
  }

  private expireFrom(due: Due, cutoff: number): void {
    for (const [id, entry] of due) {
      if (entry.atMs > cutoff) return;
      due.delete(id);
      this.remove(entry.account, entry.symbol, id);
      // An unreported replacement that expires gives the order it replaced back (a finished order has
      // had its replacement settled at its terminal update: nothing happens for it here).
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

function restingOf(order: Order, finished: boolean): Resting {
  return {
    side: order.side,
    price: order.price === null ? null : fx.toFixed(order.price),
    stopPrice: order.stopPrice === null ? null : fx.toFixed(order.stopPrice),
    remaining: 0n, // set by OpenOrders.hold, from the fills booked
    quantity: fx.toFixed(order.quantity),
    filled: fx.toFixed(order.filledQuantity),
    finished,
    updatedAt: order.updatedAt,
  };
}

/**
 * An order counted at its old terms and approved at new ones (a native
 * amend), until the venue's answer arrives: the larger size (what remains is
 * then counted from the fills booked, see OpenOrders.hold), and the price that
 * holds the most (a buy's highest, which also crosses the most; a sell's
 * lowest, which crosses the most). Unpriced on either side: unpriced. It keeps
 * the held update's updatedAt: the approval is no update, and the OMS's next
 * one replaces it.
 */
function worstOf(a: Resting, b: Resting): Resting {
  const higher = (x: Fixed | null, y: Fixed | null) => (x === null || y === null ? null : x > y ? x : y);
  const lower = (x: Fixed | null, y: Fixed | null) => (x === null || y === null ? null : x < y ? x : y);
  return {
    side: b.side,
    price: b.side === "BUY" ? higher(a.price, b.price) : lower(a.price, b.price),
    stopPrice: b.side === "BUY" ? higher(a.stopPrice, b.stopPrice) : (b.stopPrice ?? a.stopPrice),
    remaining: 0n,
    quantity: fx.max(a.quantity, b.quantity),
    filled: fx.max(a.filled, b.filled),
    finished: false,
    updatedAt: a.updatedAt,
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
  /** account -> clientOrderId -> order id, with the drop of its oldest entry (eviction.ts). */
  private readonly byClientId = new Map<string, { ids: Map<string, string>; dropOldest: () => void }>();
  /** account -> symbol -> recently approved orders, oldest first. */
  private readonly bySymbol = new Map<string, Map<string, Array<{ order: Order; atMs: number }>>>();

  constructor(private readonly capacity = 100_000) {}

  /** The other order that already used this clientOrderId, if any. */
  clientIdOwner(order: Order): string | null {
    const owner = this.byClientId.get(order.account)?.ids.get(order.clientOrderId);
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
    let clientIds = this.byClientId.get(order.account);
    if (!clientIds) {
      const ids = new Map<string, string>();
      clientIds = { ids, dropOldest: oldestKeyDropper(ids) };
      this.byClientId.set(order.account, clientIds);
    }
    clientIds.ids.set(order.clientOrderId, order.id);
    while (clientIds.ids.size > this.capacity) clientIds.dropOldest();
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
