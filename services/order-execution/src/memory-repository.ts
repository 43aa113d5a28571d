import {
  type Envelope,
  type EventBus,
  type Fill,
  type FillsQuery,
  type ListCursor,
  type Order,
  type OrderQuery,
  Topics,
} from "@jts/contracts";
import { forward, type Logger } from "@jts/kit";
import type { InsertResult, OrderRepository, OrderTransaction } from "./repository.ts";

interface Staged {
  orders: Map<string, Order>;
  fills: Fill[];
  /** Made by the first markProcessed: most transactions (a submit, an ack) mark nothing. */
  processed: Set<string> | null;
  events: Array<{ topic: string; event: Envelope }>;
}

const clientKey = (account: string, clientOrderId: string) => `${account}|${clientOrderId}`;

/** What names an order and never changes (the PostgreSQL repository's IDENTITY_COLUMNS); `update` keeps the rest. */
const sameIdentity = (a: Order, b: Order) =>
  a.clientOrderId === b.clientOrderId &&
  a.account === b.account &&
  a.venue === b.venue &&
  a.symbol === b.symbol &&
  a.side === b.side &&
  a.createdAt === b.createdAt;

/**
 * Orders and fills in memory. Transactions run one at a time (the in-process
 * stand-in for row locks), stage their writes, and on success apply them and
 * hand their events to the bus, in commit order; a transaction that throws
 * leaves nothing behind. Nothing survives a restart.
 *
 * A commit does not wait for the bus to acknowledge its events, as the
 * Postgres repository's commit does not wait for its outbox relay: an event
 * decides nothing about the order (risk and the broker are asked over rpc),
 * and waiting held every later transaction of this OMS behind a JetStream or
 * Kafka round trip. The events are published in commit order (the transports
 * keep call order); one the bus refuses is logged, and the commit stands.
 */
export class MemoryOrderRepository implements OrderRepository {
  private readonly orders = new Map<string, Order>();
  private readonly byClientId = new Map<string, string>();
  private readonly fills: Fill[] = [];
  private readonly fillIds = new Set<string>();
  /** Each order's fills, in booking order: `tx.fills` reads one order's, not every fill of the run. */
  private readonly fillsByOrder = new Map<string, Fill[]>();
  private readonly processed = new Set<string>();
  private readonly brokers = new Map<string, string>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly bus: EventBus,
    private readonly logger?: Logger,
  ) {}

  transaction<T>(work: (tx: OrderTransaction) => Promise<T>): Promise<T> {
    const run = this.tail.then(() => this.run(work));
    this.tail = run.catch(() => undefined);
    return run;
  }

  create(order: Order, event: Envelope<Order>, broker: string | null): Promise<InsertResult> {
    return this.transaction(async (tx) => {
      const result = await tx.insert(order);
      if (!result.created) return result;
      tx.emit(Topics.orderUpdated, event);
      // Nothing after this can fail, so the transaction commits with it: one unit, as in PostgreSQL.
      if (broker !== null) this.brokers.set(order.id, broker);
      return result;
    });
  }

  async get(id: string): Promise<Order | undefined> {
    return copy(this.orders.get(id));
  }

  async findByClientId(account: string, clientOrderId: string): Promise<Order | undefined> {
    const id = this.byClientId.get(clientKey(account, clientOrderId));
    return id === undefined ? undefined : copy(this.orders.get(id));
  }

  async list(query: OrderQuery = {}): Promise<Order[]> {
    const matches = [...this.orders.values()].filter(
      (order) =>
        (!query.status || order.status === query.status) &&
        (!query.symbol || order.symbol === query.symbol) &&
        (!query.accounts || query.accounts.includes(order.account)),
    );
    return page(matches, (o) => ({ time: o.createdAt, id: o.id }), query).map((o) => ({ ...o }));
  }

  async listFills(query: FillsQuery = {}): Promise<Fill[]> {
    const { accounts } = query;
    const matches = this.fills.filter((f) => !accounts || accounts.includes(f.account));
    return page(matches, (f) => ({ time: f.tsEvent, id: f.id }), query).map((f) => ({ ...f }));
  }

  async bindBroker(orderId: string, broker: string): Promise<string> {
    if (!this.orders.has(orderId)) throw new Error(`order ${orderId} does not exist`);
    const bound = this.brokers.get(orderId) ?? broker;
    this.brokers.set(orderId, bound);
    return bound;
  }

  async brokerOf(orderId: string): Promise<string | null> {
    return this.brokers.get(orderId) ?? null;
  }

  private async run<T>(work: (tx: OrderTransaction) => Promise<T>): Promise<T> {
    const staged: Staged = { orders: new Map(), fills: [], processed: null, events: [] };
    const current = (id: string) => staged.orders.get(id) ?? this.orders.get(id);
    const tx: OrderTransaction = {
      lock: async (id) => copy(current(id)),
      insert: async (order): Promise<InsertResult> => {
        const key = clientKey(order.account, order.clientOrderId);
        const existing = stagedWithClientId(staged, order.account, order.clientOrderId);
        const committedId = this.byClientId.get(key);
        const taken = existing ?? (committedId === undefined ? undefined : this.orders.get(committedId));
        if (taken) return { order: { ...taken }, created: false };
        staged.orders.set(order.id, { ...order });
        return { order: { ...order }, created: true };
      },
      update: async (order) => {
        const stored = current(order.id);
        if (!stored) throw new Error(`order ${order.id} does not exist`);
        if (!sameIdentity(stored, order)) throw new Error(`order ${order.id}: update would change its identity`);
        staged.orders.set(order.id, { ...order });
      },
      addFill: async (fill) => {
        if (this.fillIds.has(fill.id) || staged.fills.some((f) => f.id === fill.id)) return false;
        staged.fills.push({ ...fill });
        return true;
      },
      fills: async (orderId) =>
        [...(this.fillsByOrder.get(orderId) ?? []), ...staged.fills.filter((fill) => fill.orderId === orderId)].map(
          (fill) => ({ ...fill }),
        ),
      emit: (topic, event) => {
        staged.events.push({ topic, event });
      },
      markProcessed: async (consumer, eventId) => {
        const key = `${consumer}|${eventId}`;
        if (this.processed.has(key) || staged.processed?.has(key)) return false;
        staged.processed ??= new Set();
        staged.processed.add(key);
        return true;
      },
    };
    const result = await work(tx);
    for (const order of staged.orders.values()) {
      // An update keeps the order's identity (`sameIdentity`), so only a new order adds a clientOrderId:
      // an ack or a fill builds and hashes no key.
      if (!this.orders.has(order.id)) this.byClientId.set(clientKey(order.account, order.clientOrderId), order.id);
      this.orders.set(order.id, order);
    }
    for (const fill of staged.fills) {
      this.fills.push(fill);
      this.fillIds.add(fill.id);
      const ofOrder = this.fillsByOrder.get(fill.orderId);
      if (ofOrder) ofOrder.push(fill);
      else this.fillsByOrder.set(fill.orderId, [fill]);
    }
    // Most transactions marked nothing: no Set was made, none is iterated.
    if (staged.processed) for (const key of staged.processed) this.processed.add(key);
    for (const { topic, event } of staged.events)
      forward(this.bus, topic, event).catch((error: unknown) =>
        this.logger?.error("order event not published", {
          topic,
          eventId: event.id,
          error: (error as Error).message,
        }),
      );
    return result;
  }
}

function copy(order: Order | undefined): Order | undefined {
  return order && { ...order };
}

/** The order this transaction staged under (account, clientOrderId), if any: a loop, no array or key per order. */
function stagedWithClientId(staged: Staged, account: string, clientOrderId: string): Order | undefined {
  for (const order of staged.orders.values())
    if (order.account === account && order.clientOrderId === clientOrderId) return order;
  return undefined;
}

/** Newest first by (time, id), ids compared as bytes like PostgreSQL's COLLATE "C"; strictly after `before`; at most `limit`. */
function page<T>(items: T[], key: (item: T) => ListCursor, query: { limit?: number; before?: ListCursor }): T[] {
  // Each item's time is parsed once, not twice per comparison of the sort (a page of a long run's
  // orders sorted thousands, with two BigInts per comparison).
  type Keyed = { item: T; time: bigint; id: string };
  const newerFirst = (a: Omit<Keyed, "item">, b: Omit<Keyed, "item">) => {
    if (a.time !== b.time) return b.time > a.time ? 1 : -1;
    return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
  };
  const { before } = query;
  const after = before && { time: BigInt(before.time), id: before.id };
  const keyed: Keyed[] = [];
  for (const item of items) {
    const { time, id } = key(item);
    const entry = { item, time: BigInt(time), id };
    if (!after || newerFirst(after, entry) < 0) keyed.push(entry);
  }
  keyed.sort(newerFirst);
  const kept = query.limit === undefined ? keyed : keyed.slice(0, query.limit);
  return kept.map((entry) => entry.item);
}
