import { beforeEach, describe, expect, it } from "bun:test";
import {
  type Alert,
  type BrokerAck,
  type Envelope,
  nowNsString,
  type Order,
  type RiskDecision,
  Topics,
  type VenueOrder,
} from "@jts/contracts";
import { envelope, MemoryEventBus, MemoryRpc } from "@jts/kit";
import { eventually, orderFixture } from "@jts/kit/testing";
import type { OrderManager, OrderManagerOptions } from "./manager.ts";
import { MemoryOrderRepository } from "./memory-repository.ts";
import { APPROVE, haltChange, marketRequest, testOrderManager, venueOrderOf } from "./testing/manager.ts";

const SECOND_NS = 1_000_000_000n;
const FAST_LOOKUPS = { firstLookupMs: 1, maxLookupMs: 5, notFoundGraceMs: 0 };
const HALT = haltChange();

/**
 * An order is never sent late. One stored NEW whose routing was lost (its
 * process died, or its insert's answer was lost and could not be read back)
 * is found by reconciliation once older than staleNewMs and looked up at its
 * venue; a restart routes the young NEW orders it finds and looks up the old.
 */
describe("orders left NEW with no process routing them", () => {
  let rpc: MemoryRpc;
  let bus: MemoryEventBus;
  let repository: MemoryOrderRepository;
  /** Order ids placed at the LIVE venue. */
  let placed: string[];
  let canceledAtVenue: string[];
  /** Orders the venue has, by our order id: a place puts it there. */
  let atVenue: Map<string, VenueOrder>;
  /** Risk's answer: awaited, so a test can hold it. */
  let decide: () => Promise<RiskDecision>;
  /** When set, the place waits for it (a place in flight). */
  let placeGate: Promise<void> | null;
  let alerts: Alert[];
  let managers: OrderManager[];

  const manager = (options: Partial<OrderManagerOptions> = {}) => {
    const oms = testOrderManager(repository, rpc, {
      routes: { sim: "sim-live" },
      accountMode: () => "LIVE",
      outcomeLookups: FAST_LOOKUPS,
      ...options,
    });
    managers.push(oms);
    return oms;
  };

  /** Stored NEW and bound to the LIVE broker, created `agoNs` ago; nobody routes it. */
  const storedNew = async (id: string, agoNs: bigint) => {
    const createdAt = (BigInt(nowNsString()) - agoNs).toString();
    const order = orderFixture({ id, clientOrderId: `c-${id}`, createdAt, updatedAt: createdAt });
    await repository.create(order, envelope("Order", "test", order.account, order) as Envelope<Order>, "sim-live");
    return order;
  };

  const venueHas = (order: Order) => atVenue.set(order.id, venueOrderOf(order, { tsEvent: "1" }));

  /** The next insert commits and then answers with an error, as a connection dropped after COMMIT. */
  const nextAnswerLostAfterCommit = () => {
    const create = repository.create.bind(repository);
    repository.create = async (...args) => {
      repository.create = create;
      await create(...args);
      throw new Error("connection lost after COMMIT");
    };
  };

  beforeEach(async () => {
    rpc = new MemoryRpc();
    bus = new MemoryEventBus();
    repository = new MemoryOrderRepository(bus);
    placed = [];
    canceledAtVenue = [];
    atVenue = new Map();
    placeGate = null;
    alerts = [];
    managers = [];
    decide = async () => APPROVE;
    await bus.subscribe(Topics.alert, (e) => void alerts.push(e.payload as Alert));
    await rpc.serve("risk.check", () => decide());
    await rpc.serve("broker.sim-live.place", async (req) => {
      const { order } = req as { order: Order };
      if (placeGate) await placeGate;
      placed.push(order.id);
      venueHas(order);
      return {
        orderId: order.id,
        accepted: true,
        venueOrderId: `V-${order.id}`,
        reason: null,
        tsEvent: "1",
      } as BrokerAck;
    });
    await rpc.serve("broker.sim-live.query-order", (req) => atVenue.get((req as { orderId: string }).orderId) ?? null);
    await rpc.serve("broker.sim-live.cancel", (req) => {
      const { orderId } = req as { orderId: string };
      const known = atVenue.has(orderId);
      if (known) canceledAtVenue.push(orderId);
      return { orderId, accepted: known, venueOrderId: null, reason: known ? null : "unknown order", tsEvent: "1" };
    });
    return () => {
      for (const oms of managers) oms.outcomes.stop();
    };
  });

  it("reconciliation looks an old one up and never places it: the venue had it -> adopted; never received -> REJECTED, saying why", async () => {
    const reached = await storedNew("reached", 120n * SECOND_NS);
    const lost = await storedNew("lost", 120n * SECOND_NS);
    venueHas(reached);

    await manager().reconcile();

    await eventually(async () => {
      expect(await repository.get(reached.id)).toMatchObject({ status: "ACCEPTED", venueOrderId: "V-reached" });
      expect(await repository.get(lost.id)).toMatchObject({ status: "REJECTED" });
    });
    const reason = (await repository.get(lost.id))?.rejectReason;
    expect(reason).toContain("the venue has no order with this client order id");
    expect(reason).toContain("left NEW for over 60 s with no process routing it");
    expect(placed).toEqual([]);
    await eventually(() =>
      expect(alerts.map((a) => a.title)).toEqual([
        "Order left NEW: looked up at its venue, not sent late",
        "Order left NEW: looked up at its venue, not sent late",
      ]),
    );
  });

  it("leaves a NEW order younger than staleNewMs alone", async () => {
    const young = await storedNew("young", 5n * SECOND_NS);

    await manager({ staleNewMs: 60_000 }).reconcile();

    expect(await repository.get(young.id)).toMatchObject({ status: "NEW" });
    expect(placed).toEqual([]);
  });

  it("never takes an order this process is routing, however short staleNewMs is", async () => {
    let answer: (decision: RiskDecision) => void = () => {};
    decide = () => new Promise((resolve) => (answer = resolve));
    const oms = manager({ staleNewMs: 0 });
    const submitted = oms.submit(marketRequest());
    const [inFlight] = await eventually(async () => {
      const orders = await repository.list({ status: "NEW" });
      expect(orders).toHaveLength(1);
      return orders;
    });

    await oms.reconcile();
    expect(await repository.get(inFlight?.id as string)).toMatchObject({ status: "NEW" });

    answer(APPROVE);
    const { order } = await submitted;
    expect(order.status).toBe("ACCEPTED");
    expect(placed).toEqual([order.id]);
  });

  it("goes on at once with an order whose insert committed but whose answer was lost; a retry gets that order", async () => {
    nextAnswerLostAfterCommit();
    const oms = manager();

    const { order, created } = await oms.submit(marketRequest());
    expect({ status: order.status, created }).toEqual({ status: "ACCEPTED", created: true });
    expect(placed).toEqual([order.id]);

    const retry = await oms.submit(marketRequest());
    expect(retry).toMatchObject({ created: false, order: { id: order.id, status: "ACCEPTED" } });
    expect(placed).toEqual([order.id]);
  });

  it("looks up, never places, the order of a lost answer that could not be read back either, once it is stale", async () => {
    nextAnswerLostAfterCommit();
    const findByClientId = repository.findByClientId.bind(repository);
    repository.findByClientId = async () => {
      throw new Error("database unreachable");
    };
    const oms = manager({ staleNewMs: 0 });
    await expect(oms.submit(marketRequest())).rejects.toThrow("connection lost after COMMIT");
    repository.findByClientId = findByClientId;
    const [stuck] = await repository.list({ status: "NEW" });
    expect(stuck).toBeDefined();

    await oms.reconcile();

    await eventually(async () =>
      expect(await repository.get(stuck?.id as string)).toMatchObject({ status: "REJECTED" }),
    );
    expect(placed).toEqual([]);
  });

  it("a restart routes the young NEW orders it finds and looks up the old ones instead of sending them late", async () => {
    const young = await storedNew("young", 2n * SECOND_NS);
    const old = await storedNew("old", 600n * SECOND_NS);

    expect(await manager().resumeNew()).toBe(2);

    expect(placed).toEqual([young.id]);
    expect(await repository.get(young.id)).toMatchObject({ status: "ACCEPTED" });
    await eventually(async () => expect(await repository.get(old.id)).toMatchObject({ status: "REJECTED" }));
    expect((await repository.get(old.id))?.rejectReason).toContain("left NEW by the last run");
  });

  it("one order the sweep cannot move does not stop the others, nor the venue comparison", async () => {
    await storedNew("one", 120n * SECOND_NS);
    await storedNew("two", 120n * SECOND_NS);
    const transaction = repository.transaction.bind(repository);
    let failed = false;
    repository.transaction = (async (work: Parameters<typeof transaction>[0]) => {
      if (!failed) {
        failed = true;
        throw new Error("serialization failure");
      }
      return transaction(work);
    }) as typeof repository.transaction;

    await expect(manager().reconcile()).resolves.toMatchObject({ brokers: [] });

    // The first one's move failed (taken at the next run); the second went on to its lookup.
    expect(await repository.list({ status: "NEW" })).toHaveLength(1);
    await eventually(async () => expect(await repository.list({ status: "REJECTED" })).toHaveLength(1));
  });

  describe("another OMS process whose clock runs ahead takes this one's order while its place is in flight", () => {
    /** This process's orders look `aheadNs` older to the other one. */
    const otherClockAhead = (aheadNs: bigint) => {
      const create = repository.create.bind(repository);
      repository.create = (order, event, broker) =>
        create({ ...order, createdAt: (BigInt(order.createdAt) - aheadNs).toString() }, event, broker);
    };

    const takenWhilePlacing = async (whileTaken: (routing: OrderManager) => Promise<unknown> = async () => {}) => {
      otherClockAhead(61n * SECOND_NS);
      let open: () => void = () => {};
      placeGate = new Promise((resolve) => (open = resolve));
      const routing = manager();
      const other = manager({ outcomeLookups: { firstLookupMs: 5, maxLookupMs: 20, notFoundGraceMs: 60_000 } });
      const submitted = routing.submit(marketRequest());
      await eventually(async () => expect(await repository.list({ status: "NEW" })).toHaveLength(1));
      await Bun.sleep(5); // risk answered: the place is in flight

      await other.reconcile();
      await whileTaken(routing);
      open();
      return (await submitted).order;
    };

    it("the venue's accept still makes it ACCEPTED", async () => {
      const order = await takenWhilePlacing();
      expect(placed).toEqual([order.id]);
      expect(order).toMatchObject({ status: "ACCEPTED", rejectReason: null });
    });

    it("a HALT that reached the routing process meanwhile cancels it on the venue's accept", async () => {
      const order = await takenWhilePlacing((routing) => routing.onTradingState(HALT));
      await eventually(async () => expect(await repository.get(order.id)).toMatchObject({ status: "CANCELED" }));
      expect(canceledAtVenue).toEqual([order.id]);
    });
  });
});
