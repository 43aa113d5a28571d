import { beforeEach, describe, expect, it } from "bun:test";
import {
  type Alert,
  type Envelope,
  type Fill,
  nowNsString,
  type Order,
  type Position,
  type VenueOrder,
} from "@jts/contracts";
import { MemoryEventBus, MemoryRpc } from "@jts/kit";
import { executionReportFixture, orderFixture, reportFillFixture } from "@jts/kit/testing";
import type { OrderManager } from "./manager.ts";
import { MemoryOrderRepository } from "./memory-repository.ts";
import { testOrderManager, venueOrderOf } from "./testing/manager.ts";

const venueOrder = venueOrderOf;

describe("reconciliation at start against a broker that disagrees", () => {
  let bus: MemoryEventBus;
  let rpc: MemoryRpc;
  let repository: MemoryOrderRepository;
  let manager: OrderManager;
  let alerts: Alert[];
  let fills: Fill[];
  let openAtVenue: VenueOrder[];
  let queried: Map<string, VenueOrder | null>;
  let venuePositions: Position[];

  const limit = (id: string, overrides: Partial<Order> = {}) =>
    orderFixture({
      id,
      clientOrderId: `c-${id}`,
      type: "LIMIT",
      price: "100",
      timeInForce: "GTC",
      status: "ACCEPTED",
      venueOrderId: `V-${id}`,
      ...overrides,
    });

  beforeEach(async () => {
    bus = new MemoryEventBus();
    rpc = new MemoryRpc();
    alerts = [];
    fills = [];
    openAtVenue = [];
    queried = new Map();
    venuePositions = [];
    await bus.subscribe("alert.raised", (e: Envelope) => void alerts.push(e.payload as Alert));
    await bus.subscribe("order.fill", (e: Envelope) => void fills.push(e.payload as Fill));
    await rpc.serve("broker.paper.open-orders", () => openAtVenue);
    await rpc.serve("broker.paper.query-order", (q) => {
      const { orderId } = q as { orderId: string };
      return queried.get(orderId) ?? openAtVenue.find((v) => v.orderId === orderId) ?? null;
    });
    await rpc.serve("broker.paper.positions", () => venuePositions);
    repository = new MemoryOrderRepository(bus);
    manager = testOrderManager(repository, rpc);
  });

  const store = (...orders: Order[]) =>
    repository.transaction(async (tx) => {
      for (const order of orders) await tx.insert(order);
    });

  it("folds missed fills and final states, cancels what the venue does not know, and reports what we do not know", async () => {
    const partly = limit("partly");
    const filledMeanwhile = limit("filled");
    const gone = limit("gone");
    const canceledThere = limit("canceled");
    // Being routed right now: created a moment ago (an old one no process routes is looked up instead: stale-new.test.ts).
    const now = nowNsString();
    const routing = limit("routing", { status: "NEW", venueOrderId: null, createdAt: now, updatedAt: now });
    await store(partly, filledMeanwhile, gone, canceledThere, routing);
    // We heard of 2 @ 100 for `filled` before the restart.
    const report = executionReportFixture(
      filledMeanwhile,
      "FILL",
      reportFillFixture({ fillId: "f-early", price: "100", quantity: "2", liquidity: "MAKER" }),
    );
    await manager.onReport(report);

    openAtVenue = [
      venueOrder(partly, { status: "PARTIALLY_FILLED", filledQuantity: "4", averagePrice: "100" }),
      venueOrder(routing, {}),
      { ...venueOrder(partly, {}), orderId: null, venueOrderId: "HAND-1", quantity: "7" },
    ];
    queried.set("filled", venueOrder(filledMeanwhile, { status: "FILLED", filledQuantity: "10", averagePrice: "108" }));
    queried.set("canceled", venueOrder(canceledThere, { status: "CANCELED" }));
    venuePositions = [
      {
        account: "acc",
        symbol: "005930",
        venue: "sim",
        quantity: "20",
        averagePrice: "100",
        realizedPnl: "0",
        unrealizedPnl: "0",
        lastPrice: null,
        currency: "KRW",
        updatedAt: "5",
      },
    ];

    const summary = await manager.reconcile();

    expect(summary.brokers).toEqual(["paper"]);
    expect(summary.checked).toBe(4);
    expect(summary.corrected.sort()).toEqual(["canceled", "filled", "gone", "partly"]);
    expect(await manager.get("partly")).toMatchObject({
      status: "PARTIALLY_FILLED",
      filledQuantity: "4",
      averagePrice: "100",
    });
    // The missed 8 are priced so our average matches the venue's: (108 x 10 - 100 x 2) / 8 = 110.
    expect(await manager.get("filled")).toMatchObject({ status: "FILLED", filledQuantity: "10", averagePrice: "108" });
    expect(fills.find((f) => f.orderId === "filled" && f.id !== "f-early")).toMatchObject({
      price: "110",
      quantity: "8",
    });
    expect(await manager.get("gone")).toMatchObject({ status: "CANCELED" });
    expect(await manager.get("canceled")).toMatchObject({ status: "CANCELED" });
    expect(await manager.get("routing")).toMatchObject({ status: "NEW" });

    expect(summary.unknownAtVenue.map((v) => v.venueOrderId)).toEqual(["HAND-1"]);
    // Ours net 4 + 10 = 14 against the venue's 20.
    expect(summary.positionMismatches).toEqual([
      { broker: "paper", account: "acc", symbol: "005930", ours: "14", venue: "20" },
    ]);
    expect(alerts.map((a) => a.title).sort()).toEqual([
      "Order unknown at the venue",
      "Position differs from the venue",
      "Unknown order at the venue",
    ]);

    // A second run over the same venue state changes nothing and adds no fill.
    const fillsBefore = fills.length;
    const again = await manager.reconcile();
    expect(again.corrected).toEqual([]);
    expect(fills).toHaveLength(fillsBefore);
  });

  it("lets redelivered reports land before it folds a fill difference: the venue's own fill wins", async () => {
    const late = limit("late");
    await store(late);
    queried.set("late", venueOrder(late, { status: "FILLED", filledQuantity: "10", averagePrice: "101" }));
    const reconciling = manager.reconcile(100);
    await Bun.sleep(20);
    await manager.onReport(
      executionReportFixture(
        late,
        "FILL",
        reportFillFixture({ fillId: "venue-fill", price: "101", quantity: "10", fee: "1" }),
        { tsEvent: "3" },
      ),
    );
    const summary = await reconciling;
    expect(summary.corrected).toEqual([]);
    expect(fills.map((f) => f.id)).toEqual(["venue-fill"]);
    expect(await manager.get("late")).toMatchObject({ status: "FILLED", filledQuantity: "10" });
  });

  const fillReport = (orderId: string, fillId: string, quantity: string, cumulativeQuantity?: string) =>
    executionReportFixture(
      orderFixture({ id: orderId }),
      "FILL",
      reportFillFixture({
        fillId,
        price: "101",
        quantity,
        fee: "1",
        ...(cumulativeQuantity === undefined ? {} : { cumulativeQuantity }),
      }),
      { tsEvent: "3" },
    );

  it("books a fill once when its own report lands after the settle period and reconciliation booked it already", async () => {
    // The stack test's SIGKILL case: the restarted OMS's report consumer is slow (rebalancing, a loaded
    // machine), reconciliation books what the venue filled, and then the venue's report arrives.
    const late = limit("late", { type: "MARKET", price: null, quantity: "1" });
    await store(late);
    queried.set("late", venueOrder(late, { status: "FILLED", filledQuantity: "1", averagePrice: "101" }));
    expect((await manager.reconcile(0)).corrected).toEqual(["late"]);
    expect(await manager.get("late")).toMatchObject({ status: "FILLED", filledQuantity: "1" });

    await manager.onReport(fillReport("late", "venue-fill", "1", "1"), "event-1");
    // And its redelivery after another crash.
    await manager.onReport(fillReport("late", "venue-fill", "1", "1"), "event-1-again");

    expect(fills.map((f) => f.id)).toEqual(["recon-late-1"]);
    expect(await manager.get("late")).toMatchObject({ status: "FILLED", filledQuantity: "1", averagePrice: "101" });
    expect(await manager.listFills()).toHaveLength(1);
  });

  it("tells the late fills reconciliation stood in for from the venue's new ones by their cumulative quantity", async () => {
    const partly = limit("partly", { quantity: "10" });
    await store(partly);
    await manager.onReport(fillReport("partly", "v1", "1", "1"));
    // The venue had 4 when reconciliation looked: 1 we knew, 3 (v2 and v3) still on their way.
    queried.set("partly", venueOrder(partly, { status: "PARTIALLY_FILLED", filledQuantity: "4", averagePrice: "101" }));
    await manager.reconcile(0);
    expect(await manager.get("partly")).toMatchObject({ filledQuantity: "4" });

    await manager.onReport(fillReport("partly", "v3", "2", "4")); // out of order: v3 before v2
    await manager.onReport(fillReport("partly", "v2", "1", "2"));
    await manager.onReport(fillReport("partly", "v4", "5", "9")); // new since: booked

    expect(fills.map((f) => f.id)).toEqual(["v1", "recon-partly-4", "v4"]);
    expect(await manager.get("partly")).toMatchObject({ status: "PARTIALLY_FILLED", filledQuantity: "9" });

    // A later reconciliation at the venue's new total books only what is still missing.
    queried.set("partly", venueOrder(partly, { status: "FILLED", filledQuantity: "10", averagePrice: "101" }));
    await manager.reconcile(0);
    await manager.onReport(fillReport("partly", "v5", "1", "10"));
    expect(fills.map((f) => f.id)).toEqual(["v1", "recon-partly-4", "v4", "recon-partly-10"]);
    expect(await manager.get("partly")).toMatchObject({ status: "FILLED", filledQuantity: "10" });
  });

  it("books only the part beyond reconciliation of a late report that straddles it (a KIS poll sums a row's fills)", async () => {
    const straddled = limit("straddled", { quantity: "10" });
    await store(straddled);
    // The venue had 4 when reconciliation looked; KIS's next poll reports 6 at once (executed 0 -> 6).
    queried.set(
      "straddled",
      venueOrder(straddled, { status: "PARTIALLY_FILLED", filledQuantity: "4", averagePrice: "101" }),
    );
    await manager.reconcile(0);
    await manager.onReport(fillReport("straddled", "row-poll-1", "6", "6"));
    await manager.onReport(fillReport("straddled", "row-poll-1", "6", "6"), "redelivered");

    const booked = (await manager.listFills()).filter((f) => f.orderId === "straddled");
    expect(booked.map((f) => [f.id, f.quantity, f.fee]).sort()).toEqual([
      ["recon-straddled-4", "4", "0"],
      ["row-poll-1", "2", "0.333333333"],
    ]);
    expect(await manager.get("straddled")).toMatchObject({ status: "PARTIALLY_FILLED", filledQuantity: "6" });
  });

  it("a lookup finding an order CANCELED with fills books them (the reconciliation fill) before closing it", async () => {
    // An IOC order whose ack and fill report were lost: the venue filled 3 of 10, then canceled the rest.
    const unknown = limit("unk", { status: "OUTCOME_UNKNOWN", venueOrderId: null, quantity: "10" });
    await store(unknown);
    queried.set("unk", venueOrder(unknown, { status: "CANCELED", filledQuantity: "3", averagePrice: "101" }));
    expect(await manager.outcomes.lookUp("unk")).toBe(true);
    expect(await manager.get("unk")).toMatchObject({ status: "CANCELED", filledQuantity: "3", averagePrice: "101" });
    expect(fills.map((f) => [f.id, f.quantity, f.price])).toEqual([["recon-unk-3", "3", "101"]]);
    // The venue's own report, arriving late, and a second look book nothing twice.
    await manager.onReport(fillReport("unk", "v1", "3", "3"));
    await manager.reconcile(0);
    expect(fills).toHaveLength(1);
    expect(await manager.get("unk")).toMatchObject({ status: "CANCELED", filledQuantity: "3" });
  });

  it("reopens a CANCELED or REJECTED order the venue works, with its fills; leaves an EXPIRED one to a human", async () => {
    const canceled = limit("gone-here", { status: "CANCELED", quantity: "10" });
    const rejected = limit("refused-here", { status: "REJECTED", rejectReason: "grace", venueOrderId: null });
    const expired = limit("expired-here", { status: "EXPIRED" });
    await store(canceled, rejected, expired);
    openAtVenue = [
      venueOrder(canceled, { status: "PARTIALLY_FILLED", filledQuantity: "2", averagePrice: "100" }),
      venueOrder(rejected, {}),
      venueOrder(expired, {}),
    ];
    const summary = await manager.reconcile(0);
    expect(summary.corrected.sort()).toEqual(["gone-here", "refused-here"]);
    expect(await manager.get("gone-here")).toMatchObject({ status: "PARTIALLY_FILLED", filledQuantity: "2" });
    expect(await manager.get("refused-here")).toMatchObject({ status: "ACCEPTED", rejectReason: null });
    expect((await manager.get("expired-here")).status).toBe("EXPIRED");
    expect(fills.map((f) => [f.id, f.quantity, f.price])).toEqual([["recon-gone-here-2", "2", "100"]]);
    // (The 2 filled differ from the venue's positions, which this fake leaves empty: alerted apart.)
    expect(
      alerts
        .map((a) => a.title)
        .filter((t) => t.startsWith("Order"))
        .sort(),
    ).toEqual([
      "Order open at the venue but closed in JTS",
      "Order reopened: open at the venue",
      "Order reopened: open at the venue",
    ]);
    // A list that lags a cancel: the venue's own answer says CANCELED, so nothing reopens.
    const lagging = limit("lagging", { status: "CANCELED" });
    await store(lagging);
    openAtVenue = [venueOrder(lagging, {})];
    queried.set("lagging", venueOrder(lagging, { status: "CANCELED" }));
    await manager.reconcile(0);
    expect((await manager.get("lagging")).status).toBe("CANCELED");
  });

  it("prices the part of a straddling late report beyond reconciliation so the report's whole cost is right", async () => {
    const moved = limit("moved", { quantity: "10" });
    await store(moved);
    // The venue: 4 @ 100 when reconciliation looked, then 2 @ 110; KIS's poll sums the row: 6 @ 103.333333333 (620).
    queried.set("moved", venueOrder(moved, { status: "PARTIALLY_FILLED", filledQuantity: "4", averagePrice: "100" }));
    await manager.reconcile(0);
    const report = fillReport("moved", "row-6", "6", "6");
    await manager.onReport({
      ...report,
      fill: { ...(report.fill as object), price: "103.333333333" },
    } as typeof report);
    const booked = (await manager.listFills()).filter((f) => f.orderId === "moved");
    expect(booked.map((f) => [f.id, f.quantity, f.price]).sort()).toEqual([
      ["recon-moved-4", "4", "100"],
      ["row-6", "2", "109.999999999"],
    ]);
    const cost = booked.reduce((sum, f) => sum + Number(f.price) * Number(f.quantity), 0);
    expect(cost).toBeCloseTo(620, 6);
    // A later reconciliation at the venue's 6 @ 103.333333333 finds nothing to add.
    queried.set(
      "moved",
      venueOrder(moved, { status: "PARTIALLY_FILLED", filledQuantity: "6", averagePrice: "103.333333333" }),
    );
    await manager.reconcile(0);
    expect((await manager.listFills()).filter((f) => f.orderId === "moved")).toHaveLength(2);
    expect(Number((await manager.get("moved")).averagePrice)).toBeCloseTo(103.333333333, 6);
  });

  it("skips a broker that does not answer and leaves our orders as they are", async () => {
    const lonely = testOrderManager(repository, new MemoryRpc());
    await store(limit("kept"));
    const summary = await lonely.reconcile();
    expect(summary.brokers).toEqual([]);
    expect((await lonely.get("kept")).status).toBe("ACCEPTED");
  });
});
