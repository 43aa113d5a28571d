import { afterAll, beforeAll, beforeEach, describe, expect, it } from "bun:test";
import { EventTypes, type Fill, type Order, Topics } from "@jts/contracts";
import { envelope, MemoryEventBus } from "@jts/kit";
import {
  OutboxRelay,
  PostgresAuditLog,
  PostgresDocumentStore,
  startTestPostgres,
  type TestPostgres,
  truncateAll,
} from "@jts/kit/postgres";
import { eventually, fillFixture, orderFixture, silentLogger } from "@jts/kit/testing";
import { PostgresOrderRepository } from "@jts/order-execution";
import { type FillOutcome, Portfolio, PostgresPortfolioRepository } from "@jts/portfolio-tracker";

/**
 * Which of `just dev`'s writes wait for their WAL flush (async-commit.ts):
 * against a PostgreSQL configured as `just dev` has it (synchronous_commit
 * on, not the tests' `fast` flags), a trigger on every table the order path
 * writes records the synchronous_commit in force inside the writing
 * transaction.
 */
let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres({ durable: true });
});
afterAll(async () => {
  await pg.stop();
});

const PROBED = [
  "orders",
  "fills",
  "outbox",
  "processed_events",
  "positions",
  "balances",
  "accounts",
  "equity_snapshots",
  "documents",
  "audit_log",
];

const ACCOUNT = { id: "acc", owner: "u1", venue: "sim" as const, baseCurrency: "KRW", startingCash: "100000000" };

async function installProbe() {
  await pg.sql.unsafe(`
    CREATE TABLE IF NOT EXISTS commit_probe (seq BIGSERIAL, tbl TEXT, op TEXT, sync TEXT);
    CREATE OR REPLACE FUNCTION commit_probe() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO commit_probe (tbl, op, sync) VALUES (TG_TABLE_NAME, TG_OP, current_setting('synchronous_commit'));
      RETURN NULL;
    END $$;
    ${PROBED.map(
      (table) => `
      CREATE OR REPLACE TRIGGER commit_probe AFTER INSERT OR UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION commit_probe();`,
    ).join("\n")}`);
}

/** "table OP" -> the synchronous_commit settings its writes ran under. */
async function probed(): Promise<Record<string, string[]>> {
  const rows = await pg.sql<{ tbl: string; op: string; settings: string[] }[]>`
    SELECT tbl, op, array_agg(DISTINCT sync ORDER BY sync) AS settings FROM commit_probe GROUP BY tbl, op`;
  return Object.fromEntries(rows.map((r) => [`${r.tbl} ${r.op}`, r.settings]));
}

async function orderWithFill(orders: PostgresOrderRepository): Promise<{ order: Order; fill: Fill }> {
  const order = orderFixture({ id: "o1", clientOrderId: "c1", account: ACCOUNT.id });
  await orders.create(order, envelope(EventTypes.order, "order-execution", order.account, order), "paper");
  const fill = fillFixture({ id: "f1", orderId: order.id, clientOrderId: order.clientOrderId, account: ACCOUNT.id });
  await orders.transaction(async (tx) => {
    const locked = await tx.lock(order.id);
    if (!locked) throw new Error("order o1 missing");
    await tx.addFill(fill);
    await tx.update({ ...locked, filledQuantity: fill.quantity, averagePrice: fill.price, status: "FILLED" });
    tx.emit(Topics.fill, envelope(EventTypes.fill, "order-execution", fill.account, fill));
  });
  return { order, fill };
}

describe("commit durability of the order path's writes", () => {
  let bus: MemoryEventBus;
  beforeEach(async () => {
    await truncateAll(pg.sql);
    await installProbe();
    bus = new MemoryEventBus();
  });

  it("runs on a server whose commits wait for the flush by default", async () => {
    const [row] = await pg.sql<{ sync: string }[]>`SELECT current_setting('synchronous_commit') AS sync`;
    expect(row?.sync).toBe("on");
  });

  it("commits only the relay's published marks and equity snapshots asynchronously", async () => {
    const orders = new PostgresOrderRepository(pg.sql);
    const portfolio = new Portfolio(new PostgresPortfolioRepository(pg.sql));
    await portfolio.open([ACCOUNT]);
    const outcomes: FillOutcome[] = [];
    await bus.subscribe(Topics.fill, async (e) => void outcomes.push(await portfolio.applyFill(e.payload as Fill)));
    await orderWithFill(orders);
    const relay = new OutboxRelay(pg.sql, bus, { logger: silentLogger });
    expect(await relay.flush()).toBe(2);
    await eventually(() => expect(outcomes.map((o) => o.status)).toEqual(["applied"]));
    await portfolio.repository.saveEquity(await portfolio.equity([ACCOUNT.id]));
    const documents = new PostgresDocumentStore(pg.sql);
    const state = await documents.create("strategy-state", "s1", { sequence: 1 });
    await documents.update("strategy-state", state.id, state.version, { sequence: 2 });
    await new PostgresAuditLog(pg.sql).record({ actor: "s1", action: "risk.check", target: "o1" });

    expect(await probed()).toEqual({
      // Money and the record a restart trusts: every commit waits for its flush.
      "accounts INSERT": ["on"],
      "balances INSERT": ["on"],
      "balances UPDATE": ["on"],
      "orders INSERT": ["on"],
      "orders UPDATE": ["on"],
      "fills INSERT": ["on"],
      "outbox INSERT": ["on"],
      "processed_events INSERT": ["on"],
      "positions INSERT": ["on"],
      "documents INSERT": ["on"],
      "documents UPDATE": ["on"],
      "audit_log INSERT": ["on"],
      // Redone or rebuilt when a crash of PostgreSQL or the machine loses them.
      "outbox UPDATE": ["off"],
      "equity_snapshots INSERT": ["off"],
    });
  });

  it("a published mark lost in a crash publishes the fill again and the portfolio applies it once", async () => {
    const orders = new PostgresOrderRepository(pg.sql);
    const repository = new PostgresPortfolioRepository(pg.sql);
    const before = new Portfolio(repository);
    await before.open([ACCOUNT]);
    const delivered: string[] = [];
    const outcomes: FillOutcome[] = [];
    let consumer = before;
    await bus.subscribe(Topics.fill, async (e) => {
      delivered.push(e.id);
      outcomes.push(await consumer.applyFill(e.payload as Fill));
    });
    const { fill } = await orderWithFill(orders);
    expect(await new OutboxRelay(pg.sql, bus, { logger: silentLogger }).flush()).toBe(2);
    await eventually(() => expect(outcomes.map((o) => o.status)).toEqual(["applied"]));

    // What the crash leaves when the relay's asynchronous commit had not reached the disk: the rows unmarked.
    await pg.sql`UPDATE outbox SET published_at = NULL, attempts = 0`;
    // After the restart: a new relay and a portfolio with nothing in memory.
    consumer = new Portfolio(repository);
    await consumer.open([ACCOUNT]);
    expect(await new OutboxRelay(pg.sql, bus, { logger: silentLogger }).flush()).toBe(2);
    await eventually(() => expect(outcomes.map((o) => o.status)).toEqual(["applied", "duplicate"]));

    expect(delivered).toHaveLength(2);
    expect(delivered[1]).toBe(delivered[0] as string); // the same event, id and all
    const positions = await repository.listPositions([ACCOUNT.id]);
    expect(positions.map((p) => [p.symbol, p.quantity])).toEqual([[fill.symbol, 10_000_000_000n]]);
    const [cash] = await pg.sql<{ total: string }[]>`
      SELECT total::text AS total FROM balances WHERE account = ${ACCOUNT.id} AND currency = 'KRW'`;
    expect(cash?.total).toBe("99300000.000000000"); // 100,000,000 - 10 x 70,000, once
  });
});
