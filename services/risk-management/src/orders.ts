import { type Fixed, fx, type Order, type Side } from "@jts/contracts";

interface Resting {
  side: Side;
  /** Null for a MARKET or STOP_MARKET order, which takes any price. */
  price: Fixed | null;
  remaining: Fixed;
}

const OPEN = new Set(["NEW", "ACCEPTED", "PARTIALLY_FILLED"]);

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

  /** An own open order on the other side that a new order at `price` (null: any price) would trade against. */
  crossing(account: string, symbol: string, side: Side, price: Fixed | null, except: string): string | null {
    const orders = this.byAccount.get(account)?.get(symbol);
    if (!orders) return null;
    for (const [id, resting] of orders) {
      if (id === except || resting.side === side) continue;
      if (price === null || resting.price === null) return id;
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
 * side, type, quantity, price) inside the duplicate window, is refused.
 * Bounded: the oldest entries go first past `capacity`.
 */
export class RecentOrders {
  private readonly byClientId = new Map<string, string>();
  private readonly byShape = new Map<string, { orderId: string; atMs: number }>();

  constructor(private readonly capacity = 100_000) {}

  static shape(order: Order): string {
    return `${order.account}|${order.symbol}|${order.side}|${order.type}|${order.quantity}|${order.price}|${order.stopPrice}`;
  }

  /** The other order that already used this clientOrderId, if any. */
  clientIdOwner(order: Order): string | null {
    const owner = this.byClientId.get(`${order.account}|${order.clientOrderId}`);
    return owner !== undefined && owner !== order.id ? owner : null;
  }

  /** The other identical order approved less than `windowMs` ago, if any. */
  identical(order: Order, windowMs: number, nowMs: number): string | null {
    if (windowMs <= 0) return null;
    const seen = this.byShape.get(RecentOrders.shape(order));
    return seen && seen.orderId !== order.id && nowMs - seen.atMs < windowMs ? seen.orderId : null;
  }

  remember(order: Order, nowMs: number): void {
    const key = `${order.account}|${order.clientOrderId}`;
    this.byClientId.delete(key); // re-inserted last, so the oldest stays first for eviction
    this.byClientId.set(key, order.id);
    const shape = RecentOrders.shape(order);
    this.byShape.delete(shape);
    this.byShape.set(shape, { orderId: order.id, atMs: nowMs });
    evictOldest(this.byClientId, this.capacity);
    evictOldest(this.byShape, this.capacity);
  }
}

function evictOldest(map: Map<string, unknown>, capacity: number) {
  while (map.size > capacity) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) return;
    map.delete(oldest);
  }
}
