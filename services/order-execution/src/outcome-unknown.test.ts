import { afterEach, describe, expect, it } from "bun:test";
import { createPaperService, PaperFaults } from "@jts/broker-paper";
import { Topics } from "@jts/contracts";
import { eventually, executionReportFixture, reportFillFixture } from "@jts/kit/testing";
import type { OrderRepository } from "./repository.ts";
import type { OrderExecutionOptions } from "./service.ts";
import { omsOnPaper } from "./testing/oms-on-paper.ts";

const RPC_TIMEOUT_MS = 100;
/** Longer than the late placements below, so "not at the venue yet" is not taken for "never". */
const GRACE_MS = 600;

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const service of running.splice(0).reverse()) await service.stop();
});

/** The OMS in front of the paper venue, whose place rpc misbehaves as `faults` says; a short rpc timeout. */
async function platform(options: OrderExecutionOptions = {}) {
  const faults = new PaperFaults();
  const p = await omsOnPaper(
    {
      rpcTimeoutMs: RPC_TIMEOUT_MS,
      outcomeLookups: { firstLookupMs: 20, maxLookupMs: 100, notFoundGraceMs: GRACE_MS },
      reconcileSettleMs: 0,
      reconcileEveryMs: 0,
      ...options,
    },
    { faults },
  );
  running.push(p);
  const startOms = (repository?: OrderRepository, overrides: OrderExecutionOptions = {}) =>
    p.startOms({ ...overrides, ...(repository ? { repository } : {}) });
  const market = (bid: string, ask: string) => p.quote(bid, ask, "5");
  await market("100000000", "101000000");
  return { ...p, faults, startOms, market };
}

type Platform = Awaited<ReturnType<typeof platform>>;

/** The venue and the OMS agree on the order's state and filled quantity, and the portfolio got each venue fill once. */
async function agreeWithVenue(p: Platform, orderId: string, oms = p.oms) {
  await eventually(async () => {
    const ours = await oms.manager.get(orderId);
    const venue = p.paper.engine.queryOrder({ orderId });
    if (venue === null) expect(ours.status).toBe("REJECTED");
    else expect([ours.status, ours.filledQuantity]).toEqual([venue.status, venue.filledQuantity]);
  }, 3000);
  const booked = p.fills.filter((f) => f.orderId === orderId);
  expect(new Set(booked.map((f) => f.id)).size).toBe(booked.length);
  const venue = p.paper.engine.queryOrder({ orderId });
  const bookedQuantity = booked.reduce((sum, f) => sum + Number(f.quantity), 0);
  expect(bookedQuantity).toBe(Number(venue?.filledQuantity ?? 0));
}

describe("a place whose outcome is unknown (paper venue)", () => {
  it("(a) placed but the ack dropped: never REJECTED, the venue's fill is booked once and the order FILLED", async () => {
    const p = await platform();
    p.faults.next("drop-ack");
    // Marketable: the venue fills it as it places it, before the lost answer.
    const { order } = await p.oms.manager.submit(p.request({ price: "101000000" }));
    expect(order.status).not.toBe("REJECTED");
    await agreeWithVenue(p, order.id);
    expect((await p.oms.manager.get(order.id)).status).toBe("FILLED");
    expect(p.fills.filter((f) => f.orderId === order.id)).toHaveLength(1);
  });

  it("(a) placed but the ack dropped, resting: OUTCOME_UNKNOWN then ACCEPTED by lookup, its later fill booked once", async () => {
    const p = await platform();
    p.faults.next("drop-ack");
    const { order } = await p.oms.manager.submit(p.request());
    await agreeWithVenue(p, order.id);
    expect((await p.oms.manager.get(order.id)).status).toBe("ACCEPTED");
    await p.trade("99000000", "1");
    await eventually(async () => expect((await p.oms.manager.get(order.id)).status).toBe("FILLED"));
    await agreeWithVenue(p, order.id);
  });

  it("(b) placed after the rpc timed out: OUTCOME_UNKNOWN, not REJECTED, until the venue has it; then ACCEPTED", async () => {
    const p = await platform();
    // Lands 450 ms after the call, inside the 600 ms grace: 150 ms of sleep below leaves room for a busy machine.
    p.faults.next("place-late", 450);
    const { order } = await p.oms.manager.submit(p.request());
    expect(order.status).toBe("OUTCOME_UNKNOWN");
    expect(order.rejectReason).toContain("broker paper");
    // The lookups meanwhile find nothing; the grace period keeps the order in flight.
    await Bun.sleep(150);
    expect((await p.oms.manager.get(order.id)).status).toBe("OUTCOME_UNKNOWN");
    await agreeWithVenue(p, order.id);
    expect(await p.oms.manager.get(order.id)).toMatchObject({ status: "ACCEPTED", rejectReason: null });
    await p.trade("99000000", "1");
    await eventually(async () => expect((await p.oms.manager.get(order.id)).status).toBe("FILLED"));
    await agreeWithVenue(p, order.id);
  });

  it("(b) a cancel before the late placement lands answers with the order, cancel pending; the lookup cancels it", async () => {
    const p = await platform();
    p.faults.next("place-late", 300);
    const { order } = await p.oms.manager.submit(p.request());
    expect(order.status).toBe("OUTCOME_UNKNOWN");
    // The venue does not have it yet and refuses the cancel: not an error, the cancel waits for the venue.
    const pending = await p.oms.manager.cancel(order.id);
    expect(pending).toMatchObject({ id: order.id, status: "OUTCOME_UNKNOWN" });
    await eventually(
      async () => expect(p.paper.engine.queryOrder({ orderId: order.id })?.status).toBe("CANCELED"),
      3000,
    );
    await agreeWithVenue(p, order.id);
    expect((await p.oms.manager.get(order.id)).status).toBe("CANCELED");
  });

  it("(c) refused after the rpc timed out: OUTCOME_UNKNOWN until the venue is known not to have it, then REJECTED", async () => {
    const p = await platform();
    p.faults.next("refuse-late", 300);
    const { order } = await p.oms.manager.submit(p.request({ price: "101000000" }));
    expect(order.status).toBe("OUTCOME_UNKNOWN");
    await Bun.sleep(GRACE_MS / 2);
    expect((await p.oms.manager.get(order.id)).status).toBe("OUTCOME_UNKNOWN");
    await agreeWithVenue(p, order.id);
    const rejected = await p.oms.manager.get(order.id);
    expect(rejected.status).toBe("REJECTED");
    expect(rejected.rejectReason).toContain("no order with this client order id");
    expect(p.fills).toHaveLength(0);
  });

  it("treats a broker rpc error as unknown, and a cancel-all still sends the order's cancel to the venue", async () => {
    const p = await platform({
      routes: { sim: "flaky" },
      accountMode: (account) => (account === "live" ? "LIVE" : "PAPER"),
      outcomeLookups: { firstLookupMs: 60_000 },
    });
    const canceled: string[] = [];
    await p.runtime.rpc.serve("broker.flaky.place", () => {
      throw new Error("connection reset by the venue");
    });
    await p.runtime.rpc.serve("broker.flaky.cancel", (request) => {
      const { orderId } = request as { orderId: string };
      canceled.push(orderId);
      return { orderId, accepted: true, venueOrderId: null, reason: null, tsEvent: "1" };
    });
    const { order } = await p.oms.manager.submit(p.request({ account: "live" }));
    expect(order).toMatchObject({ status: "OUTCOME_UNKNOWN" });
    expect(order.rejectReason).toContain("connection reset");
    const swept = await p.oms.manager.cancelAll({ account: "live" });
    expect(swept.map((o) => [o.id, o.status])).toEqual([[order.id, "CANCELED"]]);
    expect(canceled).toEqual([order.id]);
  });

  it("survives an OMS restart while OUTCOME_UNKNOWN: the next OMS looks the order up and follows the venue", async () => {
    const p = await platform({ outcomeLookups: { firstLookupMs: 60_000, notFoundGraceMs: 60_000 } });
    p.faults.next("place-late", 300);
    const { order } = await p.oms.manager.submit(p.request());
    expect(order.status).toBe("OUTCOME_UNKNOWN");
    // The OMS goes down before the venue places the order; the venue's ACCEPTED report finds no OMS.
    await p.oms.stop();
    await eventually(() => expect(p.paper.engine.queryOrder({ orderId: order.id })?.status).toBe("ACCEPTED"));
    const again = await p.startOms(p.oms.repository);
    expect((await again.manager.get(order.id)).status).toBe("OUTCOME_UNKNOWN");
    // A fill the venue reports while the new OMS still looks: folded into the unknown order, once.
    await p.trade("99000000", "1");
    await agreeWithVenue(p, order.id, again);
    expect((await again.manager.get(order.id)).status).toBe("FILLED");
  });

  it("survives an OMS restart while OUTCOME_UNKNOWN: resolved by lookup alone when no report comes", async () => {
    const p = await platform({ outcomeLookups: { firstLookupMs: 60_000 } });
    p.faults.next("place-late", 300);
    const { order } = await p.oms.manager.submit(p.request());
    await p.oms.stop();
    await eventually(() => expect(p.paper.engine.queryOrder({ orderId: order.id })?.status).toBe("ACCEPTED"));
    const fresh = await p.startOms(p.oms.repository, {
      outcomeLookups: { firstLookupMs: 20, notFoundGraceMs: 60_000 },
    });
    await agreeWithVenue(p, order.id, fresh);
    expect(await fresh.manager.get(order.id)).toMatchObject({ status: "ACCEPTED", venueOrderId: expect.any(String) });
  });
});

describe("a fill for an order in any state", () => {
  it("is folded into a REJECTED order once, corrects it and raises an alert", async () => {
    const p = await platform();
    const { order } = await p.oms.manager.submit(p.request({ price: "1" }));
    // Pretend the OMS had rejected it wrongly (as main did on a broker timeout).
    await p.oms.repository.transaction(async (tx) => {
      const locked = await tx.lock(order.id);
      if (!locked) throw new Error("missing");
      locked.status = "REJECTED";
      await tx.update(locked);
    });
    const report = executionReportFixture(
      order,
      "FILL",
      reportFillFixture({ fillId: "venue-trade-1", price: "1", quantity: "1", liquidity: "MAKER" }),
      { tsEvent: "5" },
    );
    await p.oms.manager.onReport(report);
    await p.oms.manager.onReport(report);
    expect(await p.oms.manager.get(order.id)).toMatchObject({ status: "FILLED", filledQuantity: "1" });
    await eventually(() => expect(p.fills.filter((f) => f.orderId === order.id)).toHaveLength(1));
    expect(p.alerts.map((a) => a.title)).toContain("Order state corrected by a fill");
  });
});

describe("a paper venue restart", () => {
  it("keeps its working orders: reconciliation leaves them working and they still fill", async () => {
    const p = await platform();
    const { order } = await p.oms.manager.submit(p.request({ quantity: "2" }));
    await p.trade("99000000", "0.5");
    await eventually(async () => expect((await p.oms.manager.get(order.id)).status).toBe("PARTIALLY_FILLED"));
    await p.paper.stop();
    const restarted = createPaperService(p.runtime);
    await restarted.start();
    running.push(restarted);
    expect(restarted.engine.openOrders().map((o) => [o.orderId, o.status, o.filledQuantity])).toEqual([
      [order.id, "PARTIALLY_FILLED", "0.5"],
    ]);
    const summary = await p.oms.manager.reconcile();
    expect(summary.corrected).toEqual([]);
    expect((await p.oms.manager.get(order.id)).status).toBe("PARTIALLY_FILLED");
    await p.trade("99000000", "5");
    await eventually(async () =>
      expect(await p.oms.manager.get(order.id)).toMatchObject({ status: "FILLED", filledQuantity: "2" }),
    );
    expect(p.fills.filter((f) => f.orderId === order.id).map((f) => f.quantity)).toEqual(["0.5", "1.5"]);
  });
});

describe("reconciliation every few seconds", () => {
  it("repairs a working order the venue closed while its report was lost, without a restart", async () => {
    const p = await platform({ reconcileEveryMs: 50 });
    const { order } = await p.oms.manager.submit(p.request());
    expect(order.status).toBe("ACCEPTED");
    // The venue cancels it; the report never reaches the OMS.
    p.paper.engine.cancel(order.id);
    await eventually(async () => expect((await p.oms.manager.get(order.id)).status).toBe("CANCELED"), 2000);
  });

  it("hands an OUTCOME_UNKNOWN order nobody is looking up to its lookup, which follows the venue", async () => {
    const p = await platform();
    const { order } = await p.oms.manager.submit(p.request({ clientOrderId: "seed" }));
    // An order left OUTCOME_UNKNOWN by another replica that died: stored so, at the venue, looked up by no one.
    const orphan = { ...order, id: "orphan-1", clientOrderId: "orphan", status: "OUTCOME_UNKNOWN" as const };
    await p.oms.repository.transaction(async (tx) => {
      await tx.insert(orphan);
    });
    p.paper.engine.place({ ...orphan, status: "NEW" });
    expect(p.oms.manager.outcomes.tracking).toBe(0);
    await p.oms.manager.reconcile();
    await eventually(async () => expect((await p.oms.manager.get(orphan.id)).status).toBe("ACCEPTED"));
  });
});

describe("an order the venue placed after its lookup gave up", () => {
  it("is reopened by reconciliation as the venue works it (alert, republished), can be canceled, and fills once", async () => {
    const p = await platform({ outcomeLookups: { firstLookupMs: 20, notFoundGraceMs: 100 } });
    const published: string[] = [];
    await p.runtime.bus.subscribe(Topics.orderUpdated, (e) => {
      const o = e.payload as { id: string; status: string };
      published.push(o.status);
    });
    p.faults.next("place-late", 400);
    const { order } = await p.oms.manager.submit(p.request());
    await eventually(async () => expect((await p.oms.manager.get(order.id)).status).toBe("REJECTED"));
    // Later than any grace period: the venue places it after all.
    await eventually(() => expect(p.paper.engine.queryOrder({ orderId: order.id })?.status).toBe("ACCEPTED"));
    const summary = await p.oms.manager.reconcile();
    expect(summary.closedHereOpenThere.map((v) => v.orderId)).toEqual([order.id]);
    expect(summary.corrected).toContain(order.id);
    expect(await p.oms.manager.get(order.id)).toMatchObject({ status: "ACCEPTED", rejectReason: null });
    await eventually(() => expect(published.at(-1)).toBe("ACCEPTED")); // risk reserves it again
    const raised = () => p.alerts.filter((a) => a.title === "Order reopened: open at the venue");
    await eventually(() => expect(raised()).toHaveLength(1));
    // The next run finds it working as it should: nothing to correct, no second alert.
    expect((await p.oms.manager.reconcile()).closedHereOpenThere).toHaveLength(0);
    await p.trade("99000000", "0.4");
    await eventually(async () => expect((await p.oms.manager.get(order.id)).status).toBe("PARTIALLY_FILLED"));
    // The trader can cancel the rest: the venue and JTS agree.
    expect((await p.oms.manager.cancel(order.id)).status).toBe("CANCELED");
    await agreeWithVenue(p, order.id);
    expect(raised()).toHaveLength(1);
  });
});

describe("the lookup of an order whose outcome is unknown", () => {
  it("backs off while the venue does not answer, keeps asking at the cap, and stops once it answers", async () => {
    const p = await platform({
      routes: { sim: "mute" },
      accountMode: () => "LIVE",
      outcomeLookups: { firstLookupMs: 10, maxLookupMs: 60, notFoundGraceMs: 60_000 },
    });
    const asked: number[] = [];
    let answer: "error" | "found" = "error";
    await p.runtime.rpc.serve("broker.mute.place", () => {
      throw new Error("socket hang up");
    });
    await p.runtime.rpc.serve("broker.mute.query-order", (request) => {
      asked.push(performance.now());
      if (answer === "error") throw new Error("venue unavailable");
      const { orderId } = request as { orderId: string };
      return {
        orderId,
        venueOrderId: "M-1",
        account: "paper-main",
        venue: "sim",
        symbol: "BTC-KRW",
        side: "BUY",
        type: "LIMIT",
        status: "ACCEPTED",
        quantity: "1",
        filledQuantity: "0",
        price: "99000000",
        averagePrice: null,
        tsEvent: "1",
      };
    });
    const { order } = await p.oms.manager.submit(p.request());
    expect(order.status).toBe("OUTCOME_UNKNOWN");
    await Bun.sleep(500);
    const gaps = asked.slice(1).map((t, i) => t - (asked[i] as number));
    // 10, 20, 40, then 60 ms at the cap: about 9 lookups in 500 ms; without the cap far fewer, without backoff 50.
    expect(asked.length).toBeGreaterThanOrEqual(5);
    expect(asked.length).toBeLessThanOrEqual(14);
    expect(gaps[0] as number).toBeLessThan(gaps.at(-1) as number);
    expect((await p.oms.manager.get(order.id)).status).toBe("OUTCOME_UNKNOWN");
    answer = "found";
    await eventually(async () =>
      expect(await p.oms.manager.get(order.id)).toMatchObject({ status: "ACCEPTED", venueOrderId: "M-1" }),
    );
    const settled = asked.length;
    await Bun.sleep(200);
    expect(asked.length).toBe(settled);
    expect(p.oms.manager.outcomes.tracking).toBe(0);
  });
});
