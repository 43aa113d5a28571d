import type { Envelope, Fill, FillsQuery, Order, OrderQuery, Topic, TopicPayload } from "@jts/contracts";

export interface InsertResult {
  order: Order;
  /** False when (account, clientOrderId) was taken and `order` is the one stored before. */
  created: boolean;
}

/**
 * One unit of work. Its writes and the events it emits commit together or not
 * at all; events are published after the commit (the Postgres repository
 * through its outbox). Reads return copies: mutate them, then `update`.
 */
export interface OrderTransaction {
  /** The current order, locked against other writers until the transaction ends. */
  lock(id: string): Promise<Order | undefined>;
  /** Stores a new order, or returns the one that already has its account and clientOrderId. */
  insert(order: Order): Promise<InsertResult>;
  /**
   * Saves every field but the order's identity (id, clientOrderId, account, venue, symbol, side,
   * createdAt): status, fills, reject reason, venue id, updatedAt, and what an amend moves (quantity,
   * price). Throws when the order does not exist or the update would change its identity.
   */
  update(order: Order): Promise<void>;
  /** False when this fill id was recorded before (a redelivered report). */
  addFill(fill: Fill): Promise<boolean>;
  /** The fills recorded for one order, this transaction's included. */
  fills(orderId: string): Promise<Fill[]>;
  /** Queues an event to publish once the transaction commits; typed by the contracts' TopicPayloads, like EventBus.publish. */
  emit<T extends Topic>(topic: T, event: Envelope<TopicPayload<T>>): void;
  /** False when `consumer` processed this event id before, even in an earlier run. */
  markProcessed(consumer: string, eventId: string): Promise<boolean>;
}

/**
 * Where the OMS keeps orders and fills: in memory (default, tests, no
 * DATABASE_URL) or in PostgreSQL. Both pass one contract suite
 * (testing/order-repository-contract.ts).
 */
export interface OrderRepository {
  transaction<T>(work: (tx: OrderTransaction) => Promise<T>): Promise<T>;
  /**
   * The order path's write: stores a new order bound to `broker` (what its
   * account's mode picks; null when none serves its venue) and queues its
   * event (the NEW order.updated) in one commit when its (account,
   * clientOrderId) is free; else returns the order stored before and queues
   * and binds nothing (the stored order keeps its own binding). The same as a
   * transaction of `insert` and `emit` followed by `bindBroker`, in one
   * statement where the store allows (PostgreSQL: one round trip and one
   * commit on the order path, none more when it is routed).
   */
  create(order: Order, event: Envelope<Order>, broker: string | null): Promise<InsertResult>;
  get(id: string): Promise<Order | undefined>;
  findByClientId(account: string, clientOrderId: string): Promise<Order | undefined>;
  /**
   * Newest first by (createdAt, id), after `before` when given (ListCursor). Without
   * `limit` every match: the OMS's own sweeps need them all; the rpc always sets one.
   */
  list(query?: OrderQuery): Promise<Order[]>;
  /** Newest first by (tsEvent, id), after `before`; every match without `limit`, like `list`. */
  listFills(query?: FillsQuery): Promise<Fill[]>;
  /**
   * Binds an order stored without a broker (by `insert`, or by an older
   * version) to the broker it is routed to, so its cancel, query and
   * reconciliation reach that broker whatever the account's mode reads later,
   * here or in another process. The first binding wins (`create`'s included);
   * returns the broker the order is bound to.
   */
  bindBroker(orderId: string, broker: string): Promise<string>;
  /** The broker the order is bound to; null when it was stored without one and not routed since. */
  brokerOf(orderId: string): Promise<string | null>;
}
