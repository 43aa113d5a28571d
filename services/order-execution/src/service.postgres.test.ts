import { afterAll, beforeAll, beforeEach, describe, expect, it, spyOn } from "bun:test";
import {
  EventTypes,
  type ExecutionReport,
  type Fill,
  type Order,
  type OrderRequest,
  type RiskDecision,
  Topics,
} from "@jts/contracts";
import { envelope, MemoryEventBus, MemoryRpc, memoryRuntime, type Runtime } from "@jts/kit";
import { connectPostgres, type Sql, startTestPostgres, type TestPostgres, truncateAll } from "@jts/kit/postgres";
import { eventually, executionReportFixture, reportFillFixture, silentLogger } from "@jts/kit/testing";
import { MODE_CHANGED } from "./manager.ts";
import { postgresOrderStorage } from "./postgres.ts";
import { createOrderExecutionService, type OrderExecutionOptions } from "./service.ts";
import { leftNewJustNow } from "./testing/manager.ts";

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
});
afterAll(async () => {
  await pg.stop();
});

const approve: RiskDecision = { approved: true, rule: null, reason: null, tsEvent: "1" };
const request: OrderRequest = { clientOrderId: "twice", symbol: "005930", side: "BUY", type: "MARKET", quantity: "10" };

describe("order execution on PostgreSQL", () => {
  let bus: MemoryEventBus;
  let rpc: MemoryRpc;
  let runtime: Runtime;
  let placed: Order[];
  let updates: Order[];
  let fills: Fill[];
  /** risk.check's answer (a second serve of a subject would not replace the first). */
  let decide: () => RiskDecision | Promise<RiskDecision>;
  const pools: Sql[] = [];

  /** One OMS "process": its own pool, repository, relay and in-flight map, on the shared database. */
  const startOms = async (
    options: Pick<
      OrderExecutionOptions,
      "nativeAmend" | "accountMode" | "routes" | "modesWaitMs" | "outcomeLookups"
    > = {},
  ) => {
    const sql = connectPostgres(pg.url, { max: 4 });
    pools.push(sql);
    const storage = postgresOrderStorage(sql, runtime);
    // Every UPDATE binding an order to its broker after its insert: none on the path of a new order.
    const binds = spyOn(storage.repository, "bindBroker");
    const service = createOrderExecutionService(runtime, { ...storage, defaultAccount: "acc", ...options });
    await service.start();
    return {
      service,
      binds,
      stop: async () => {
        await service.stop();
        await sql.end({ timeout: 1 });
      },
    };
  };

  beforeEach(async () => {
    await truncateAll(pg.sql);
    bus = new MemoryEventBus();
    rpc = new MemoryRpc();
    runtime = { ...memoryRuntime(silentLogger), bus, rpc };
    placed = [];
    updates = [];
    fills = [];
    decide = () => approve;
    await rpc.serve("risk.check", () => decide());
    await rpc.serve("broker.paper.place", (req) => {
      const { order } = req as { order: Order };
      placed.push(order);
      return { orderId: order.id, accepted: true, venueOrderId: `V-${placed.length}`, reason: null, tsEvent: "1" };
    });
    await bus.subscribe(Topics.orderUpdated, (e) => void updates.push(e.payload as Order));
    await bus.subscribe(Topics.fill, (e) => void fills.push(e.payload as Fill));
  });

  const fillReport = (order: Order) =>
    envelope<ExecutionReport>(
      EventTypes.executionReport,
      "paper",
      order.account,
      executionReportFixture(order, "FILL", reportFillFixture({ fillId: "F-1", price: "71000", fee: "71" }), {
        tsEvent: "1764236400000000000",
      }),
    );

  it("stores a twice-submitted order once, publishes its events from the outbox in order, and knows it after a restart", async () => {
    const first = await startOms();
    const [a, b] = await Promise.all([first.service.manager.submit(request), first.service.manager.submit(request)]);
    expect([a.created, b.created]).toEqual([true, false]);
    expect(b.order.id).toBe(a.order.id);
    expect(a.order).toMatchObject({ status: "ACCEPTED", venueOrderId: "V-1", account: "acc" });
    expect(placed).toHaveLength(1);
    expect(await pg.sql`SELECT count(*)::int AS n FROM orders WHERE client_order_id = 'twice'`).toEqual([
      { n: 1 },
    ] as never);

    // At-least-once delivery: the same report event arrives twice.
    const report = fillReport(a.order);
    await bus.publish(Topics.executionReport, report);
    await bus.publish(Topics.executionReport, report);
    const statuses = () => updates.filter((o) => o.id === a.order.id).map((o) => o.status);
    await eventually(() => expect(statuses()).toEqual(["NEW", "ACCEPTED", "FILLED"]));
    await eventually(() => expect(fills.map((f) => f.id)).toEqual(["F-1"]));
    // The relay marks a row published after the bus took it: the last mark may trail the event.
    await eventually(async () => {
      const outbox = await pg.sql`SELECT topic, published_at IS NOT NULL AS published FROM outbox ORDER BY id`;
      expect(outbox.map((r) => [r.topic, r.published])).toEqual([
        ["order.updated", true],
        ["order.updated", true],
        ["order.fill", true],
        ["order.updated", true],
      ]);
    });
    const ready = await first.service.app.handle(new Request("http://localhost/ready"));
    expect(ready.status).toBe(200);
    await first.stop();

    // A restart: new pool, repository, relay and manager on the same database.
    const second = await startOms();
    const again = await second.service.manager.submit(request);
    expect(again.created).toBe(false);
    expect(again.order).toMatchObject({
      id: a.order.id,
      status: "FILLED",
      filledQuantity: "10",
      averagePrice: "71000",
    });
    await bus.publish(Topics.executionReport, report);
    await Bun.sleep(100);
    expect(fills).toHaveLength(1);
    expect(statuses()).toEqual(["NEW", "ACCEPTED", "FILLED"]);
    expect(placed).toHaveLength(1);
    const listed = await second.service.app.handle(new Request("http://localhost/orders"));
    expect(((await listed.json()) as Order[]).map((o) => o.id)).toEqual([a.order.id]);
    await second.stop();
  });

  it("keeps a native amend's price and quantity: the next change publishes them, and a restart reads them", async () => {
    await rpc.serve("broker.paper.amend", (req) => {
      const { orderId } = req as { orderId: string };
      return { orderId, accepted: true, venueOrderId: null, reason: null, tsEvent: "1" };
    });
    const first = await startOms({ nativeAmend: { paper: true } });
    const limit: OrderRequest = {
      ...request,
      clientOrderId: "amend-me",
      type: "LIMIT",
      price: "70000",
      quantity: "10",
      timeInForce: "GTC",
    };
    const { order } = await first.service.manager.submit(limit);
    const amended = await first.service.manager.amend(order.id, { price: "70100" });
    expect(amended).toMatchObject({ id: order.id, price: "70100", quantity: "10" });
    expect(await first.service.manager.get(order.id)).toMatchObject({ price: "70100" });

    // A fill's change() re-reads the order: what it publishes carries the amended price, not the stored-before one.
    await bus.publish(Topics.executionReport, fillReport(order));
    await eventually(() => expect(updates.filter((o) => o.id === order.id).at(-1)).toMatchObject({ status: "FILLED" }));
    expect(updates.filter((o) => o.id === order.id).at(-1)).toMatchObject({ price: "70100", quantity: "10" });
    await first.stop();

    const second = await startOms({ nativeAmend: { paper: true } });
    expect(await second.service.manager.get(order.id)).toMatchObject({
      price: "70100",
      quantity: "10",
      status: "FILLED",
    });
    await second.stop();
  });

  it("stores one order when two OMS processes get the same clientOrderId at once", async () => {
    const [one, two] = await Promise.all([startOms(), startOms()]);
    const results = await Promise.all([
      one.service.manager.submit(request),
      two.service.manager.submit(request),
      one.service.manager.submit(request),
      two.service.manager.submit(request),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.order.id)).size).toBe(1);
    expect(placed).toHaveLength(1);
    expect(await pg.sql`SELECT count(*)::int AS n FROM orders`).toEqual([{ n: 1 }] as never);
    // The winner's binding, stored with its insert; neither process wrote it again.
    expect(await pg.sql`SELECT broker FROM orders`).toEqual([{ broker: "paper" }] as never);
    expect(one.binds.mock.calls.length + two.binds.mock.calls.length).toBe(0);
    await eventually(() => expect(updates.map((o) => o.status)).toEqual(["NEW", "ACCEPTED"]));
    await Promise.all([one.stop(), two.stop()]);
  });

  it("stores the broker with the order's insert, before risk answers, and places it with no second write", async () => {
    let storedWhileRiskDecides: unknown;
    decide = async () => {
      storedWhileRiskDecides = await pg.sql`SELECT status, broker FROM orders`;
      return approve;
    };
    const oms = await startOms();
    const { order } = await oms.service.manager.submit(request);
    expect(storedWhileRiskDecides).toEqual([{ status: "NEW", broker: "paper" }]);
    expect(order.status).toBe("ACCEPTED");
    expect(placed.map((o) => o.id)).toEqual([order.id]);
    expect(oms.binds).not.toHaveBeenCalled();
    await oms.stop();
  });

  it("refuses an order whose account's mode changed while risk decided, and places it nowhere", async () => {
    let mode: "PAPER" | "LIVE" = "LIVE";
    const live: string[] = [];
    await rpc.serve("broker.sim-live.place", (req) => {
      const { order } = req as { order: Order };
      live.push(order.id);
      return { orderId: order.id, accepted: true, venueOrderId: "L-1", reason: null, tsEvent: "1" };
    });
    decide = () => {
      mode = "PAPER"; // disarmed while risk decides
      return approve;
    };
    const oms = await startOms({ routes: { sim: "sim-live" }, accountMode: () => mode });
    const { order } = await oms.service.manager.submit(request);
    expect(order).toMatchObject({ status: "REJECTED", rejectReason: MODE_CHANGED });
    expect(await oms.service.manager.get(order.id)).toMatchObject({ status: "REJECTED", rejectReason: MODE_CHANGED });
    expect([placed, live]).toEqual([[], []]);
    expect(oms.binds).not.toHaveBeenCalled();
    await oms.stop();
  });

  it("after a restart mid-day routes NEW orders by their stored binding while the mode still picks it, and binds one an older version stored without", async () => {
    const first = await startOms({ routes: { sim: "sim-live" }, accountMode: () => "LIVE" });
    const repository = first.service.repository;
    // A crash between the insert and risk's answer: NEW orders, one created bound, one stored unbound.
    const bound = leftNewJustNow({ id: "bound-1", clientOrderId: "bound" });
    const legacy = leftNewJustNow({ id: "legacy-1", clientOrderId: "legacy", account: "acc-paper" });
    await repository.create(bound, envelope(EventTypes.order, "test", bound.account, bound), "sim-live");
    await repository.transaction((tx) => tx.insert(legacy));
    await first.stop();
    expect(await pg.sql`SELECT id, broker FROM orders ORDER BY id`).toEqual([
      { id: "bound-1", broker: "sim-live" },
      { id: "legacy-1", broker: null },
    ] as never);

    const live: string[] = [];
    await rpc.serve("broker.sim-live.place", (req) => {
      const { order } = req as { order: Order };
      live.push(order.id);
      return { orderId: order.id, accepted: true, venueOrderId: "L-1", reason: null, tsEvent: "1" };
    });
    // The bound order's account still LIVE; the legacy one's PAPER.
    const second = await startOms({
      routes: { sim: "sim-live" },
      accountMode: (account) => (account === legacy.account ? "PAPER" : "LIVE"),
    });
    expect(live).toEqual([bound.id]);
    expect(placed.map((o) => o.id)).toEqual([legacy.id]);
    expect(await pg.sql`SELECT id, broker, status FROM orders ORDER BY id`).toEqual([
      { id: "bound-1", broker: "sim-live", status: "ACCEPTED" },
      { id: "legacy-1", broker: "paper", status: "ACCEPTED" },
    ] as never);
    await second.stop();
  });

  /** A LIVE account's order stored bound to sim-live by an OMS that then stopped before risk answered. */
  const crashLeftLiveBoundOrder = async () => {
    const first = await startOms({ routes: { sim: "sim-live" }, accountMode: () => "LIVE" });
    const bound = leftNewJustNow({ id: "bound-1", clientOrderId: "bound", account: "acc" });
    await first.service.repository.create(bound, envelope(EventTypes.order, "test", bound.account, bound), "sim-live");
    await first.stop();
    return bound;
  };

  it("resumes only once the account modes are in: a LIVE account's order bound LIVE goes out, not to a lookup", async () => {
    const bound = await crashLeftLiveBoundOrder();

    const live: string[] = [];
    await rpc.serve("broker.sim-live.place", (req) => {
      const { order } = req as { order: Order };
      live.push(order.id);
      return { orderId: order.id, accepted: true, venueOrderId: "L-1", reason: null, tsEvent: "1" };
    });
    // The portfolio answers the restarted OMS's mode book late (it starts beside it).
    const accounts = [
      { id: "acc", owner: "o", venue: "sim", kind: "CASH", baseCurrency: "KRW", balances: [], mode: "LIVE" },
    ];
    await rpc.serve("portfolio.accounts", async () => {
      await Bun.sleep(300);
      return accounts;
    });
    const second = await startOms({ routes: { sim: "sim-live" } }); // the real AccountModeBook
    expect(live).toEqual([bound.id]);
    expect((await second.service.repository.get(bound.id))?.status).toBe("ACCEPTED");
    await second.stop();
  });

  it("resumes after the wait without the modes: a LIVE-bound order is looked up at its broker, never placed", async () => {
    const bound = await crashLeftLiveBoundOrder();

    const live: string[] = [];
    await rpc.serve("broker.sim-live.place", (req) => {
      live.push((req as { order: Order }).order.id);
      return { orderId: "x", accepted: true, venueOrderId: "L-1", reason: null, tsEvent: "1" };
    });
    // No portfolio answers: after the wait every account reads PAPER, which is not the stored broker.
    const second = await startOms({ routes: { sim: "sim-live" }, modesWaitMs: 100 });
    expect(live).toEqual([]);
    expect(placed).toEqual([]);
    expect((await second.service.repository.get(bound.id))?.status).toBe("OUTCOME_UNKNOWN");
    await second.stop();
  });

  it("after a restart looks up, and never places, a NEW order bound LIVE at its insert whose account was disarmed since", async () => {
    const first = await startOms({ routes: { sim: "sim-live" }, accountMode: () => "LIVE" });
    // A crash while risk decided: the order was stored bound to sim-live and never sent.
    const stale = leftNewJustNow({ id: "stale-1", clientOrderId: "stale" });
    await first.service.repository.create(stale, envelope(EventTypes.order, "test", stale.account, stale), "sim-live");
    await first.stop();

    const live: string[] = [];
    const lookedUp: string[] = [];
    await rpc.serve("broker.sim-live.place", (req) => {
      const { order } = req as { order: Order };
      live.push(order.id);
      return { orderId: order.id, accepted: true, venueOrderId: "L-1", reason: null, tsEvent: "1" };
    });
    await rpc.serve("broker.sim-live.query-order", (req) => {
      lookedUp.push((req as { orderId: string }).orderId);
      return null;
    });
    // Disarmed while the OMS was down: the restarted OMS reads the account PAPER.
    const second = await startOms({
      routes: { sim: "sim-live" },
      accountMode: () => "PAPER",
      outcomeLookups: { firstLookupMs: 5, maxLookupMs: 20, notFoundGraceMs: 0 },
    });
    expect([live, placed]).toEqual([[], []]);
    await eventually(async () =>
      expect(await pg.sql`SELECT broker, status FROM orders`).toEqual([
        { broker: "sim-live", status: "REJECTED" },
      ] as never),
    );
    expect(lookedUp).toContain(stale.id);
    expect([live, placed]).toEqual([[], []]);
    await second.stop();
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end({ timeout: 1 })));
  });
});
