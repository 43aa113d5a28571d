import {
  type Envelope,
  type Fill,
  type FillsQuery,
  fx,
  type ListCursor,
  type Order,
  type OrderQuery,
  Topics,
} from "@jts/contracts";
import {
  enqueueOutbox,
  markProcessed,
  notifyOutbox,
  type OutboxMessage,
  type Queryable,
  type Sql,
} from "@jts/kit/postgres";
import type { InsertResult, OrderRepository, OrderTransaction } from "./repository.ts";

const ORDER_COLUMNS = [
  "id",
  "client_order_id",
  "account",
  "venue",
  "symbol",
  "side",
  "type",
  "time_in_force",
  "quantity",
  "price",
  "stop_price",
  "filled_quantity",
  "average_price",
  "status",
  "reject_reason",
  "strategy_id",
  "venue_order_id",
  "created_at",
  "updated_at",
] as const;
/** What names an order and never changes; `update` writes every other column. */
const IDENTITY_COLUMNS = ["id", "client_order_id", "account", "venue", "symbol", "side", "created_at"] as const;
const MUTABLE_COLUMNS = ORDER_COLUMNS.filter((column) => !(IDENTITY_COLUMNS as readonly string[]).includes(column));
const FILL_COLUMNS = [
  "id",
  "order_id",
  "client_order_id",
  "account",
  "venue",
  "symbol",
  "side",
  "price",
  "quantity",
  "fee",
  "fee_currency",
  "liquidity",
  "strategy_id",
  "ts_event",
] as const;
type OrderRow = Record<(typeof ORDER_COLUMNS)[number], string | null>;
type FillRow = Record<(typeof FILL_COLUMNS)[number], string | null>;

/**
 * Orders and fills in PostgreSQL (migration 002; the routed broker, 012). Every transaction writes its
 * events to the outbox in the same commit; an OutboxRelay publishes them.
 * Idempotency by (account, clientOrderId) rests on the table's UNIQUE
 * constraint, so it holds across processes and restarts.
 */
export class PostgresOrderRepository implements OrderRepository {
  /**
   * @param outboxWritten called after a commit that wrote outbox rows: the
   *   relay's `written` (postgres.ts); by default a NOTIFY for a relay elsewhere.
   */
  constructor(
    private readonly sql: Sql,
    private readonly outboxWritten: () => void = () => void notifyOutbox(sql).catch(() => undefined),
  ) {}

  async transaction<T>(work: (tx: OrderTransaction) => Promise<T>): Promise<T> {
    const events: OutboxMessage[] = [];
    const result = await this.sql.begin(async (sqlTx) => {
      const tx: OrderTransaction = {
        lock: async (id) => {
          const [row] = await sqlTx<OrderRow[]>`SELECT ${sqlTx(ORDER_COLUMNS)} FROM orders WHERE id = ${id} FOR UPDATE`;
          return row && toOrder(row);
        },
        insert: (order) => insert(sqlTx, order),
        update: async (order) => {
          // Every column but the identity: an amend moves quantity and price (KIS 정정), and a column
          // left out here would be kept in memory yet lost in PostgreSQL (contract: "saves what an amend changes").
          const row = orderRow(order);
          const updated = await sqlTx`
            UPDATE orders SET ${sqlTx(row as never, MUTABLE_COLUMNS)}
            WHERE id = ${order.id} AND client_order_id = ${order.clientOrderId} AND account = ${order.account}
              AND venue = ${order.venue} AND symbol = ${order.symbol} AND side = ${order.side}
              AND created_at = ${order.createdAt}
            RETURNING id`;
          if (updated.length !== 1) throw new Error(`order ${order.id} does not exist or its identity changed`);
        },
        addFill: async (fill) => {
          const inserted = await sqlTx`
            INSERT INTO fills ${sqlTx(fillRow(fill) as never)}
            ON CONFLICT (id) DO NOTHING
            RETURNING id`;
          return inserted.length === 1;
        },
        fills: async (orderId) =>
          (await sqlTx<FillRow[]>`SELECT ${sqlTx(FILL_COLUMNS)} FROM fills WHERE order_id = ${orderId}`).map(toFill),
        emit: (topic, event) => {
          events.push({ topic, event });
        },
        markProcessed: (consumer, eventId) => markProcessed(sqlTx, consumer, eventId),
      };
      const result = await work(tx);
      await enqueueOutbox(sqlTx, events);
      return result;
    });
    if (events.length > 0) this.outboxWritten();
    return result as T;
  }

  /**
   * One statement, so one round trip and one commit: the order with its
   * broker binding and its event in the outbox, or none of them when the
   * clientOrderId is taken (the CTE's insert finds no row, so the outbox
   * insert selects none, and the stored order keeps its binding). A concurrent
   * writer of the same clientOrderId waits for the first to commit, as in `insert`.
   */
  async create(order: Order, event: Envelope<Order>, broker: string | null): Promise<InsertResult> {
    const queued = await this.sql`
      WITH inserted AS (
        INSERT INTO orders ${this.sql({ ...orderRow(order), broker } as never)}
        ON CONFLICT ON CONSTRAINT orders_account_client_order_id DO NOTHING
        RETURNING id
      )
      INSERT INTO outbox (topic, key, envelope)
      SELECT ${Topics.orderUpdated}, ${event.key}, ${this.sql.json(event as never)} FROM inserted
      RETURNING id`;
    if (queued.length === 1) {
      this.outboxWritten();
      return { order: { ...order }, created: true };
    }
    return storedInstead(this.sql, order);
  }

  async get(id: string): Promise<Order | undefined> {
    const [row] = await this.sql<OrderRow[]>`SELECT ${this.sql(ORDER_COLUMNS)} FROM orders WHERE id = ${id}`;
    return row && toOrder(row);
  }

  async findByClientId(account: string, clientOrderId: string): Promise<Order | undefined> {
    return findByClientId(this.sql, account, clientOrderId);
  }

  async list(query: OrderQuery = {}): Promise<Order[]> {
    const sql = this.sql;
    const rows = await sql<OrderRow[]>`
      SELECT ${sql(ORDER_COLUMNS)} FROM orders
      WHERE TRUE
        ${query.status ? sql`AND status = ${query.status}` : sql``}
        ${query.symbol ? sql`AND symbol = ${query.symbol}` : sql``}
        ${query.accounts ? sql`AND account = ANY(${query.accounts}::text[])` : sql``}
        ${after(sql, "created_at", query.before)}
      ORDER BY created_at DESC, id COLLATE "C" DESC
      ${query.limit === undefined ? sql`` : sql`LIMIT ${query.limit}`}`;
    return rows.map(toOrder);
  }

  async listFills(query: FillsQuery = {}): Promise<Fill[]> {
    const sql = this.sql;
    const rows = await sql<FillRow[]>`
      SELECT ${sql(FILL_COLUMNS)} FROM fills
      WHERE TRUE
        ${query.accounts ? sql`AND account = ANY(${query.accounts}::text[])` : sql``}
        ${after(sql, "ts_event", query.before)}
      ORDER BY ts_event DESC, id COLLATE "C" DESC
      ${query.limit === undefined ? sql`` : sql`LIMIT ${query.limit}`}`;
    return rows.map(toFill);
  }

  async bindBroker(orderId: string, broker: string): Promise<string> {
    const [row] = await this.sql<Array<{ broker: string }>>`
      UPDATE orders SET broker = COALESCE(broker, ${broker}) WHERE id = ${orderId} RETURNING broker`;
    if (!row) throw new Error(`order ${orderId} does not exist`);
    return row.broker;
  }

  async brokerOf(orderId: string): Promise<string | null> {
    const [row] = await this.sql<Array<{ broker: string | null }>>`SELECT broker FROM orders WHERE id = ${orderId}`;
    return row?.broker ?? null;
  }
}

/**
 * The rows strictly after the cursor in (time DESC, id DESC) order. Ids compare as bytes
 * (COLLATE "C", as the memory repository and the indexes of migration 018 do), so the
 * order does not depend on the database's locale.
 */
function after(sql: Sql, timeColumn: "created_at" | "ts_event", before: ListCursor | undefined) {
  if (!before) return sql``;
  return sql`AND (${sql(timeColumn)}, id COLLATE "C") < (${before.time}::bigint, ${before.id}::text COLLATE "C")`;
}

/**
 * A concurrent insert of the same (account, clientOrderId) waits for the first
 * to commit, then ON CONFLICT turns the unique violation into "nothing
 * inserted" and the statement after it sees the committed row.
 */
async function insert(sql: Queryable, order: Order): Promise<InsertResult> {
  const inserted = await sql`
    INSERT INTO orders ${sql(orderRow(order) as never)}
    ON CONFLICT ON CONSTRAINT orders_account_client_order_id DO NOTHING
    RETURNING id`;
  if (inserted.length === 1) return { order: { ...order }, created: true };
  return storedInstead(sql, order);
}

/** The order stored before under `order`'s (account, clientOrderId), whose insert found it taken. */
async function storedInstead(sql: Queryable, order: Order): Promise<InsertResult> {
  const existing = await findByClientId(sql, order.account, order.clientOrderId);
  if (!existing) throw new Error(`order ${order.account}/${order.clientOrderId} conflicted but cannot be read`);
  return { order: existing, created: false };
}

async function findByClientId(sql: Queryable, account: string, clientOrderId: string) {
  const [row] = await sql<OrderRow[]>`
    SELECT ${sql(ORDER_COLUMNS)} FROM orders WHERE account = ${account} AND client_order_id = ${clientOrderId}`;
  return row && toOrder(row);
}

function orderRow(o: Order): OrderRow {
  return {
    id: o.id,
    client_order_id: o.clientOrderId,
    account: o.account,
    venue: o.venue,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    time_in_force: o.timeInForce,
    quantity: o.quantity,
    price: o.price,
    stop_price: o.stopPrice,
    filled_quantity: o.filledQuantity,
    average_price: o.averagePrice,
    status: o.status,
    reject_reason: o.rejectReason,
    strategy_id: o.strategyId,
    venue_order_id: o.venueOrderId,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
}

function fillRow(f: Fill): FillRow {
  return {
    id: f.id,
    order_id: f.orderId,
    client_order_id: f.clientOrderId,
    account: f.account,
    venue: f.venue,
    symbol: f.symbol,
    side: f.side,
    price: f.price,
    quantity: f.quantity,
    fee: f.fee,
    fee_currency: f.feeCurrency,
    liquidity: f.liquidity,
    strategy_id: f.strategyId,
    ts_event: f.tsEvent,
  };
}

/** NUMERIC(38,9) reads back as "10.000000000"; the contracts write "10". */
const decimal = (value: string | null) => fx.fromFixed(fx.toFixed(value as string));
const optionalDecimal = (value: string | null) => (value === null ? null : decimal(value));

function toOrder(r: OrderRow): Order {
  return {
    id: r.id as string,
    clientOrderId: r.client_order_id as string,
    account: r.account as string,
    venue: r.venue as Order["venue"],
    symbol: r.symbol as string,
    side: r.side as Order["side"],
    type: r.type as Order["type"],
    timeInForce: r.time_in_force as Order["timeInForce"],
    quantity: decimal(r.quantity),
    price: optionalDecimal(r.price),
    stopPrice: optionalDecimal(r.stop_price),
    filledQuantity: decimal(r.filled_quantity),
    averagePrice: optionalDecimal(r.average_price),
    status: r.status as Order["status"],
    rejectReason: r.reject_reason,
    strategyId: r.strategy_id,
    venueOrderId: r.venue_order_id,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

function toFill(r: FillRow): Fill {
  return {
    id: r.id as string,
    orderId: r.order_id as string,
    clientOrderId: r.client_order_id as string,
    account: r.account as string,
    venue: r.venue as Fill["venue"],
    symbol: r.symbol as string,
    side: r.side as Fill["side"],
    price: decimal(r.price),
    quantity: decimal(r.quantity),
    fee: decimal(r.fee),
    feeCurrency: r.fee_currency as string,
    liquidity: r.liquidity as Fill["liquidity"],
    strategyId: r.strategy_id,
    tsEvent: r.ts_event as string,
  };
}
