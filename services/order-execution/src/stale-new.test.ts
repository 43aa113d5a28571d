import { beforeEach, describe, expect, it } from "bun:test";
import {
  type BrokerAck,
  type Envelope,
  nowNsString,
  type Order,
  type RiskDecision,
  type VenueOrder,
} from "@jts/contracts";
import { envelope, MemoryEventBus, MemoryRpc } from "@jts/kit";
import { eventually, orderFixture } from "@jts/kit/testing";
import type { OrderManagerOptions } from "./manager.ts";
import { MemoryOrderRepository } from "./memory-repository.ts";
import { APPROVE, marketRequest, testOrderManager } from "./testing/manager.ts";

const MINUTE_NS = 60_000_000_000n;
const FAST_LOOKUPS = { firstLookupMs: 1, maxLookupMs: 5, notFoundGraceMs: 0 };

/**
 * An order stored NEW whose routing was lost in a running process (its
 * insert committed and the answer never came back, the replica routing it
 * died) is found by reconciliation once it is older than any routing can
 * take, and looked up at its venue: never placed late.
 */
describe("orders left NEW with no process routing them", () => {
  let rpc: MemoryRpc;
  let repository: MemoryOrderRepository;
  /** Order ids placed at the LIVE venue. */
  let placed: string[];
  /** Orders the venue has, by our order id. */
  let atVenue: Map<string, VenueOrder>;
  /** Risk's answer: awaited, so a test can hold it. */
  let decide: () => Promise<RiskDecision>;
  let managers: Array<{ outcomes: { stop(): void } }>;

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

  const venueHas = (order: Order) =>
    atVenue.set(order.id, {
      orderId: order.id,
      venueOrderId: `V-${order.id}`,
      account: order.account,
      venue: order.venue,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      status: "ACCEPTED",
      quantity: order.quantity,
      price: order.price,
      filledQuantity: "0",
      averagePrice: null,
      tsEvent: "1",
    });

  beforeEach(async () => {
    rpc = new MemoryRpc();
    repository = new MemoryOrderRepository(new MemoryEventBus());
    placed = [];
    atVenue = new Map();
    managers = [];
    decide = async () => APPROVE;
    await rpc.serve("risk.check", () => decide());
    await rpc.serve("broker.sim-live.place", (req) => {
      const { order } = req as { order: Order };
      placed.push(order.id);
      return { orderId: order.id, accepted: true, venueOrderId: "V1", reason: null, tsEvent: "1" } as BrokerAck;
    });
    await rpc.serve("broker.sim-live.query-order", (req) => atVenue.get((req as { orderId: string }).orderId) ?? null);
    return () => {
      for (const oms of managers) oms.outcomes.stop();
    };
  });

  it("looks an old one up at its venue and never places it: the venue had it -> adopted; never received -> REJECTED", async () => {
    const reached = await storedNew("reached", 2n * MINUTE_NS);
    const lost = await storedNew("lost", 2n * MINUTE_NS);
    venueHas(reached);

    await manager().reconcile();

    await eventually(async () => {
      expect(await repository.get(reached.id)).toMatchObject({ status: "ACCEPTED", venueOrderId: "V-reached" });
      expect(await repository.get(lost.id)).toMatchObject({ status: "REJECTED" });
    });
    expect((await repository.get(lost.id))?.rejectReason).toContain("the venue has no order with this client order id");
    expect(placed).toEqual([]);
  });

  it("leaves a NEW order younger than staleNewMs alone (another replica may be routing it)", async () => {
    const young = await storedNew("young", 5_000_000_000n);

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

  it("resolves the order of a submit whose insert committed but whose answer was lost, without placing it", async () => {
    const create = repository.create.bind(repository);
    repository.create = async (...args) => {
      await create(...args);
      throw new Error("connection lost after COMMIT");
    };
    const oms = manager({ staleNewMs: 0 });
    await expect(oms.submit(marketRequest())).rejects.toThrow("connection lost after COMMIT");
    const [stuck] = await repository.list({ status: "NEW" });
    expect(stuck).toBeDefined();

    await oms.reconcile();

    await eventually(async () =>
      expect(await repository.get(stuck?.id as string)).toMatchObject({ status: "REJECTED" }),
    );
    expect(placed).toEqual([]);
  });
});
