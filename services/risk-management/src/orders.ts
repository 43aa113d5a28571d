import { type Fixed, fx, type Order, type Side } from "@jts/contracts";

interface Resting {
  side: Side;
  /** Null for a MARKET or STOP_MARKET order, which takes any price. */
  price: Fixed | null;
  remaining: Fixed;
}

// OUTCOME_UNKNOWN: the venue may hold it, so it holds cash and exposure until the OMS knows.
const OPEN = new Set(["NEW", "OUTCOME_UNKNOWN", "ACCEPTED", "PARTIALLY_FILLED"]);

/**
 * The orders still working at the venue, from the OMS's order updates: what a
 * new order could trade against (self-trade prevention) and what open buys
 * hold of an account's cash or open sells of its holdings.
 */
export class OpenOrders {
  /** account -> symbol -> order id -> resting order. */
  private readonly byAccount = new Map<string, Map<string, Map<string, Resting>>>();

  onOrder(order: Order): void {
    const bySymbol = this.byAccount.get(order.account);
    if (!OPEN.has(order.status)) {
      bySymbol?.get(order.symbol)?.delete(order.id);
      return;
    }
    const price = order.price === null ? null : fx.toFixed(order.price);
    const remaining = fx.toFixed(order.quantity) - fx.toFixed(order.filledQuantity);
    let symbols = bySymbol;
    if (!symbols) {
      symbols = new Map();
      this.byAccount.set(order.account, symbols);
    }
    let orders = symbols.get(order.symbol);
    if (!orders) {
      orders = new Map();
      symbols.set(order.symbol, orders);
    }
    orders.set(order.id, { side: order.side, price, remaining });
  }

  /** An own resting (priced) order on the other side that a new order at `price` (null: any price) would trade against. */
  crossing(account: string, symbol: string, side: Side, price: Fixed | null, except: string): string | null {
    const orders = this.byAccount.get(account)?.get(symbol);
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

  /** Cash open buys of an account hold (priced orders only), and the quantity open sells of a symbol hold. */
  held(account: string, symbol: string | null, except: string): { cash: Fixed; quantity: Fixed } {
    let cash = 0n;
    let quantity = 0n;
    const bySymbol = this.byAccount.get(account);
    if (!bySymbol) return { cash, quantity };
    for (const [sym, orders] of bySymbol) {
      for (const [id, resting] of orders) {
        if (id === except) continue;
        if (resting.side === "BUY" && resting.price !== null) cash += fx.mul(resting.price, resting.remaining);
        if (resting.side === "SELL" && sym === symbol) quantity += resting.remaining;
      }
    }
    return { cash, quantity };
  }
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
