import { fx, type Order, type Quote, type SessionEnd, type Tick } from "@jts/contracts";

interface HeldStop {
  order: Order;
  stop: bigint;
  expiresAt: bigint | null;
}

/**
 * Stop orders the OMS holds for venues that have no stop orders of their own.
 * A buy stop triggers when a trade prints at or above its stop or the ask
 * reaches it; a sell stop at or below (trade or bid). A triggered stop leaves
 * the book at once, so it is released exactly once. Pure: the caller feeds
 * market data and the time.
 */
export class LocalStopBook {
  private readonly bySymbol = new Map<string, Map<string, HeldStop>>();

  constructor(private readonly sessionEnd: SessionEnd) {}

  get size(): number {
    let n = 0;
    for (const held of this.bySymbol.values()) n += held.size;
    return n;
  }

  add(order: Order): void {
    let held = this.bySymbol.get(order.symbol);
    if (!held) {
      held = new Map();
      this.bySymbol.set(order.symbol, held);
    }
    const expiresAt =
      order.timeInForce === "DAY" ? this.sessionEnd(order.venue, BigInt(order.createdAt), order.symbol) : null;
    held.set(order.id, { order: { ...order }, stop: fx.toFixed(order.stopPrice as string), expiresAt });
  }

  has(orderId: string): boolean {
    for (const held of this.bySymbol.values()) if (held.has(orderId)) return true;
    return false;
  }

  remove(orderId: string): boolean {
    for (const held of this.bySymbol.values()) if (held.delete(orderId)) return true;
    return false;
  }

  onQuote(quote: Quote): Order[] {
    const bid = fx.toFixed(quote.bid);
    const ask = fx.toFixed(quote.ask);
    return this.release(quote.symbol, (h) => (h.order.side === "BUY" ? ask >= h.stop : bid <= h.stop));
  }

  onTick(tick: Tick): Order[] {
    const price = fx.toFixed(tick.price);
    return this.release(tick.symbol, (h) => (h.order.side === "BUY" ? price >= h.stop : price <= h.stop));
  }

  /** DAY stops whose session has ended by `now`; they leave the book. */
  expired(now: bigint): Order[] {
    const due: Order[] = [];
    for (const held of this.bySymbol.values())
      for (const [id, h] of held)
        if (h.expiresAt !== null && now >= h.expiresAt) {
          held.delete(id);
          due.push(h.order);
        }
    return due;
  }

  private release(symbol: string, reached: (h: HeldStop) => boolean): Order[] {
    const held = this.bySymbol.get(symbol);
    if (!held) return [];
    const triggered: Order[] = [];
    for (const [id, h] of held)
      if (reached(h)) {
        held.delete(id);
        triggered.push(h.order);
      }
    return triggered;
  }
}

/** What a released stop becomes at a venue without stops: MARKET (IOC unless FOK) or LIMIT. */
export function releasedOrder(order: Order): Order {
  if (order.type === "STOP_MARKET")
    return { ...order, type: "MARKET", stopPrice: null, timeInForce: order.timeInForce === "FOK" ? "FOK" : "IOC" };
  return { ...order, type: "LIMIT", stopPrice: null };
}

export const isStopOrder = (order: Pick<Order, "type">) => order.type === "STOP_MARKET" || order.type === "STOP_LIMIT";
