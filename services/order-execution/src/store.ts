import type { Fill, Order, OrderQuery } from "@jts/contracts";

/**
 * Orders and fills in memory, indexed for idempotency by account and
 * clientOrderId. The PostgreSQL repository of the infrastructure issue keeps
 * this interface.
 */
export class OrderStore {
  private readonly orders = new Map<string, Order>();
  private readonly byClientId = new Map<string, string>();
  private readonly fills: Fill[] = [];
  private readonly fillIds = new Set<string>();

  get(id: string): Order | undefined {
    return this.orders.get(id);
  }

  findByClientId(account: string, clientOrderId: string): Order | undefined {
    const id = this.byClientId.get(`${account}|${clientOrderId}`);
    return id ? this.orders.get(id) : undefined;
  }

  save(order: Order): void {
    this.orders.set(order.id, order);
    this.byClientId.set(`${order.account}|${order.clientOrderId}`, order.id);
  }

  /** Newest first. */
  list(query: OrderQuery = {}): Order[] {
    const result: Order[] = [];
    for (const order of this.orders.values()) {
      if (query.status && order.status !== query.status) continue;
      if (query.symbol && order.symbol !== query.symbol) continue;
      if (query.accounts && !query.accounts.includes(order.account)) continue;
      result.push({ ...order });
    }
    return result.reverse();
  }

  /** False when the fill was recorded before (redelivery). */
  addFill(fill: Fill): boolean {
    if (this.fillIds.has(fill.id)) return false;
    this.fillIds.add(fill.id);
    this.fills.push(fill);
    return true;
  }

  listFills(accounts?: string[]): Fill[] {
    return this.fills.filter((f) => !accounts || accounts.includes(f.account)).reverse();
  }
}
