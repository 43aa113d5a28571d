import type { Envelope } from "./envelope.ts";
import type { DocumentChange, Topic, TopicPayload } from "./topics.ts";

/**
 * The service ports of ARCHITECTURE.md. Adapters live in services/kit; every
 * adapter of a port passes that port's one contract test suite.
 */

export type EventHandler<Payload = unknown> = (event: Envelope<Payload>) => void | Promise<void>;

export interface Subscription {
  unsubscribe(): Promise<void>;
}

export interface SubscribeOptions {
  /**
   * Consumer group: each event reaches one member of a group; every group gets
   * every event. Without a group the subscriber gets every event on its own.
   */
  group?: string;
  /** Tries before an event goes to the dead-letter topic. Default 3. */
  maxAttempts?: number;
  /**
   * Delivery priority inside one process (the in-memory bus; networked
   * transports deliver in their own processes and ignore it). "order-path"
   * (the default) runs as soon as the event is published; "background" is
   * fan-out that decides no order (candles, marks, the WS hub, alerts,
   * metrics) and runs after the order path on the next turn of the event
   * loop. Each subscriber still gets every event, in publish order.
   */
  lane?: BusLane;
  /**
   * Current events only, for market data acted on at its current price
   * (strategies, risk's prices, stops, the paper venue's matching, marks). A
   * networked bus hands them over as they are published: no stored consumer,
   * no ack, no replay after a restart of what the subscriber missed while down
   * (stale ticks must not reach a strategy late). NATS: a core subscription on
   * the stream's subject, a queue group for `group`. Kafka: no consumer group
   * of its own and no commits; one fetch loop per bus takes every live
   * subscription's partitions from their end when it subscribed, and `group`
   * joins a group (`<group>.<pattern>.live`) only to share the partitions. The
   * in-memory bus is live anyway. A recorder that must see every event (the
   * tick collector) leaves it off. A live subscriber that falls far behind
   * (liveBacklog messages) loses the oldest rather than growing memory, and a
   * message it can neither handle nor dead-letter is dropped.
   */
  live?: boolean;
}

export type BusLane = "order-path" | "background";

/**
 * Durable pub/sub (Kafka, NATS JetStream, in-memory), typed by the contracts'
 * TopicPayloads: publishing a payload its topic does not carry, or to a topic
 * no contract names, is a compile error, and a handler gets its topic's
 * payload type. Payloads are not checked at run time (the producers are typed).
 */
export interface EventBus {
  publish<T extends Topic>(topic: T, event: Envelope<TopicPayload<T>>): Promise<void>;
  /** `pattern` may use `*` for one dot-separated level. */
  subscribe<T extends Topic>(
    pattern: T,
    handler: EventHandler<TopicPayload<T>>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  close(): Promise<void>;
}

/**
 * The same bus without the topic table: what the adapters implement, and the
 * narrow way in for code that moves events it does not read (the outbox
 * relay, dead letters, the port's contract suite). Services use EventBus.
 */
export interface EventTransport {
  publish(topic: string, event: Envelope): Promise<void>;
  /** `Payload` is the caller's word, unchecked: only for handlers that pass the envelope on. */
  subscribe<Payload = unknown>(
    pattern: string,
    handler: EventHandler<Payload>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  close(): Promise<void>;
}

/**
 * What travels beside an rpc payload. A networked transport delivers a
 * request only when it carried the service credential; `actor` is then the
 * authenticated user the caller acts for (the gateway's JWT subject), absent
 * for a service acting on its own. Audit logs take the actor from here, never
 * from a payload field.
 */
export interface RpcContext {
  actor?: string;
  /**
   * Only from the in-process transport, when the caller vouched with
   * `RpcRequestOptions.checked`: the request object is the caller's own,
   * already through its contract's check, so the typed `serve` does not check
   * it again. A networked transport never sets it (its server always checks).
   */
  checked?: boolean;
}

export type RpcHandler = (request: unknown, context: RpcContext) => unknown | Promise<unknown>;

export interface RpcRequestOptions {
  timeoutMs?: number;
  /** The authenticated user this call acts for (sent in the envelope, not the payload). */
  actor?: string;
  /**
   * The payload is built from values its contract already checked (the OMS's
   * order, from a checked order request). The in-process transport hands it
   * to the server unchecked (`RpcContext.checked`); networked ones ignore it.
   */
  checked?: boolean;
}

/** Request/reply (NATS, in-process). Errors travel as RpcError with the contracts' codes. */
export interface RpcTransport {
  serve(subject: string, handler: RpcHandler): Promise<Subscription>;
  request<Reply = unknown>(subject: string, payload: unknown, options?: RpcRequestOptions): Promise<Reply>;
  close(): Promise<void>;
}

/** Key/value with expiry, counters and set-if-absent (Redis, in-memory). */
export interface Cache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** True when the key was absent and is now set (locks, dedupe). */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Adds `by` and returns the new value; starts at 0; ttl set on creation. */
  increment(key: string, by?: number, ttlMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** A token bucket: holds up to `capacity` tokens, refilled continuously at `refillPerSecond`. */
export interface TokenBucketSpec {
  name: string;
  capacity: number;
  refillPerSecond: number;
}

/**
 * A sliding window: at most `limit` (by weight) in any `windowMs`. Exact where
 * a limit is stated per window ("100 requests per minute", a venue's weight per
 * minute), which a token bucket's continuous refill would overshoot.
 */
export interface SlidingWindowSpec {
  name: string;
  limit: number;
  windowMs: number;
}

export type BucketSpec = TokenBucketSpec | SlidingWindowSpec;

export const isWindow = (spec: BucketSpec): spec is SlidingWindowSpec => "windowMs" in spec;

export interface RateDecision {
  allowed: boolean;
  /** Tokens (or window slots) left in the tightest bucket after this call. */
  remaining: number;
  /** Capacity (or window limit) of the tightest bucket. */
  limit: number;
  /** When refused: how long until the call would pass. 0 when allowed. */
  retryAfterMs: number;
}

/**
 * Token-bucket rate limits (Redis, in-memory). A call of `weight` passes only
 * when every bucket holds that many tokens, and then takes them from all:
 * several buckets per key express "10/s and 600/min" at once.
 */
export interface RateLimiter {
  take(key: string, buckets: readonly BucketSpec[], weight?: number): Promise<RateDecision>;
  close(): Promise<void>;
}

/** A named, versioned JSON document: strategy definitions, settings, notification rules. */
export interface StoredDocument<Body = unknown> {
  id: string;
  name: string;
  version: number;
  body: Body;
  updatedAt: string;
}

/**
 * Document storage (MongoDB, PostgreSQL JSONB, in-memory). Names are unique
 * per collection; every write names the version it read, and a stale version
 * is refused (optimistic concurrency) with a CONFLICT error.
 */
export interface DocumentStore {
  create<Body>(collection: string, name: string, body: Body): Promise<StoredDocument<Body>>;
  get<Body>(collection: string, id: string): Promise<StoredDocument<Body> | null>;
  findByName<Body>(collection: string, name: string): Promise<StoredDocument<Body> | null>;
  list<Body>(collection: string): Promise<StoredDocument<Body>[]>;
  update<Body>(collection: string, id: string, expectedVersion: number, body: Body): Promise<StoredDocument<Body>>;
  delete(collection: string, id: string, expectedVersion: number): Promise<void>;
  close(): Promise<void>;
  /**
   * The server's own change feed (MongoDB change streams), which also sees
   * writes made outside the platform; absent, or answering null, where the
   * server has none (FerretDB, PostgreSQL, in-memory): replicas then follow
   * Topics.documentChanged on the bus (kit documents/changes.ts).
   */
  watch?(collection: string, onChange: (change: DocumentChange) => void): Promise<Subscription | null>;
}

/**
 * The locks port (Redis, in-memory): a named lease with fencing tokens, for a
 * single active strategy instance and similar "one at a time" jobs.
 *
 * A lease can run out while its holder still believes it holds it (a GC
 * pause, a partition), so the lock alone cannot keep two holders from acting.
 * The fencing token closes that gap: it strictly increases every time the
 * lock changes hands, survives expiry and is never reused, so whatever the
 * holder acts on can remember the highest token it has seen and refuse older
 * ones.
 */
export interface LockGrant {
  acquired: boolean;
  /** The holder's fencing token when acquired, else null. */
  token: number | null;
  /** Who holds the lock now: `owner` when acquired, the other holder when not, null if unknown. */
  holder: string | null;
}

export interface Lock {
  /**
   * Takes the lock for `ttlMs` when it is free or expired, with a new, higher
   * token. The current holder asking again keeps its token (the lock did not
   * change hands) and gets a fresh ttl, so a retried acquire is harmless.
   * Owners must be unique per process (host, pid, random suffix).
   */
  acquire(name: string, owner: string, ttlMs: number): Promise<LockGrant>;
  /** Extends the lease to `ttlMs` from now; false unless `owner` holds it with `token` and it has not expired. */
  renew(name: string, owner: string, token: number, ttlMs: number): Promise<boolean>;
  /** Frees the lock; false unless `owner` holds it with `token`. The token counter keeps counting. */
  release(name: string, owner: string, token: number): Promise<boolean>;
  close(): Promise<void>;
}

/** One state-changing call: who, what, when, from where. */
export interface AuditEntry {
  actor: string;
  /** e.g. auth.login, order.submit, order.cancel, risk.set-state */
  action: string;
  target?: string | null;
  sourceIp?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  /** Outcome and inputs worth keeping; never secrets. */
  details?: Record<string, unknown>;
}

/** Append-only audit trail (PostgreSQL `audit_log`, in-memory). */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  list(filter?: { actor?: string; limit?: number }): Promise<Array<AuditEntry & { ts: string }>>;
}
