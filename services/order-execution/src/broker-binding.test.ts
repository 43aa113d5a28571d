import { beforeEach, describe, expect, it, spyOn } from "bun:test";
import type { BrokerAck, Envelope, Order, VenueOrder } from "@jts/contracts";
import { envelope, MemoryEventBus, MemoryRpc } from "@jts/kit";
import { eventually } from "@jts/kit/testing";
import { MODE_CHANGED } from "./manager.ts";
import { MemoryOrderRepository } from "./memory-repository.ts";
import type { AccountMode } from "./routing.ts";
import { APPROVE, leftNewJustNow, marketRequest, testOrderManager } from "./testing/manager.ts";

const request = marketRequest;
const approve = APPROVE;

/**
 * The broker an order goes to is stored with the order when it is created,
 * and checked against the account's mode again once risk approved it: no
 * second write on the order path, and no order sent under a stale mode.
 */
describe("the broker binding stored with a new order", () => {
  let rpc: MemoryRpc;
  let repository: MemoryOrderRepository;
  let mode: AccountMode;
  /** Runs while risk decides, before it answers. */
  let whileRiskDecides: () => void;
  /** Broker name -> the order ids placed there. */
  let placed: Record<string, string[]>;
  let binds: ReturnType<typeof spyOn>;

  const manager = (options: { routes?: Record<string, string>; accountMode?: (account: string) => AccountMode } = {}) =>
    testOrderManager(repository, rpc, {
      routes: options.routes ?? { sim: "sim-live" },
      accountMode: options.accountMode ?? (() => mode),
    });

  const serveBroker = async (broker: string) => {
    placed[broker] = [];
    await rpc.serve(`broker.${broker}.place`, (req) => {
      const { order } = req as { order: Order };
      placed[broker]?.push(order.id);
      return { orderId: order.id, accepted: true, venueOrderId: "V1", reason: null, tsEvent: "1" } as BrokerAck;
    });
  };

  beforeEach(async () => {
    rpc = new MemoryRpc();
    repository = new MemoryOrderRepository(new MemoryEventBus());
    binds = spyOn(repository, "bindBroker");
    mode = "LIVE";
    whileRiskDecides = () => {};
    placed = {};
    await rpc.serve("risk.check", () => {
      whileRiskDecides();
      return approve;
    });
    await serveBroker("paper");
    await serveBroker("sim-live");
  });

  it("is stored with the insert, before risk is asked, and the order is placed there with no second write", async () => {
    let boundWhileRiskDecides: Promise<string | null> = Promise.resolve(null);
    whileRiskDecides = () => {
      boundWhileRiskDecides = repository.list({ status: "NEW" }).then(([o]) => repository.brokerOf(o?.id ?? "none"));
    };
    const { order } = await manager().submit(request());
    expect(await boundWhileRiskDecides).toBe("sim-live");
    expect(order).toMatchObject({ status: "ACCEPTED", venueOrderId: "V1" });
    expect(placed).toEqual({ paper: [], "sim-live": [order.id] });
    expect(binds).not.toHaveBeenCalled();
  });

  it("refuses an order whose account was disarmed while risk decided: nothing placed, not rebound", async () => {
    whileRiskDecides = () => {
      mode = "PAPER";
    };
    const { order } = await manager().submit(request());
    expect(order).toMatchObject({ status: "REJECTED", rejectReason: MODE_CHANGED });
    expect(placed).toEqual({ paper: [], "sim-live": [] });
    expect(binds).not.toHaveBeenCalled();
    expect(await repository.brokerOf(order.id)).toBe("sim-live");
  });

  it("refuses an order whose account was armed while risk decided, also one whose venue had no LIVE broker", async () => {
    mode = "PAPER";
    whileRiskDecides = () => {
      mode = "LIVE";
    };
    const armed = await manager().submit(request({ clientOrderId: "armed" }));
    expect(armed.order).toMatchObject({ status: "REJECTED", rejectReason: MODE_CHANGED });

    // LIVE with no broker for the venue: stored unbound; a switch to PAPER meanwhile does not send it to paper.
    mode = "LIVE";
    whileRiskDecides = () => {
      mode = "PAPER";
    };
    const unrouted = await manager({ routes: {} }).submit(request({ clientOrderId: "unrouted" }));
    expect(unrouted.order).toMatchObject({ status: "REJECTED", rejectReason: MODE_CHANGED });
    expect(placed).toEqual({ paper: [], "sim-live": [] });
    expect(binds).not.toHaveBeenCalled();
  });

  it("refuses an order no broker serves, as before", async () => {
    const { order } = await manager({ routes: {} }).submit(request());
    expect(order).toMatchObject({ status: "REJECTED", rejectReason: "no broker routes venue sim" });
    expect(await repository.brokerOf(order.id)).toBeNull();
    expect(placed).toEqual({ paper: [], "sim-live": [] });
  });

  it("binds after risk, as before, an order whose account's mode could not be read when it was created", async () => {
    let reads = 0;
    const flaky = () => {
      reads++;
      if (reads === 1) throw new Error("mode book unavailable");
      return mode;
    };
    const { order } = await manager({ accountMode: flaky }).submit(request());
    expect(order.status).toBe("ACCEPTED");
    expect(placed["sim-live"]).toEqual([order.id]);
    expect(binds).toHaveBeenCalledTimes(1);
    expect(await repository.brokerOf(order.id)).toBe("sim-live");
  });

  it("after a restart routes a NEW order by its stored binding while its account's mode still picks it, and binds one stored without (an older version's)", async () => {
    // Left NEW by a crash before risk answered: one created bound on a LIVE account, one stored unbound by an older version on a PAPER one.
    const bound = leftNewJustNow({ id: "bound-1", clientOrderId: "bound" });
    const legacy = leftNewJustNow({ id: "legacy-1", clientOrderId: "legacy", account: "acc-paper" });
    await repository.create(bound, envelope("Order", "test", bound.account, bound) as Envelope<Order>, "sim-live");
    await repository.transaction((tx) => tx.insert(legacy));
    expect(await repository.brokerOf(legacy.id)).toBeNull();

    const oms = manager({ accountMode: (account) => (account === legacy.account ? "PAPER" : "LIVE") });
    expect(await oms.resumeNew()).toBe(2);
    expect(placed).toEqual({ paper: [legacy.id], "sim-live": [bound.id] });
    expect(await repository.brokerOf(bound.id)).toBe("sim-live");
    expect(await repository.brokerOf(legacy.id)).toBe("paper");
    expect((await repository.get(bound.id))?.status).toBe("ACCEPTED");
    expect((await repository.get(legacy.id))?.status).toBe("ACCEPTED");
  });

  it("after a restart sends no order to the broker it was bound to before risk answered once the account's mode picks another: it is looked up there", async () => {
    // Stored bound to the LIVE broker, then a crash before risk answered; the account was disarmed while the OMS was down.
    const unsent = leftNewJustNow({ id: "unsent-1", clientOrderId: "unsent" });
    const sent = leftNewJustNow({ id: "sent-1", clientOrderId: "sent" });
    for (const o of [unsent, sent])
      await repository.create(o, envelope("Order", "test", o.account, o) as Envelope<Order>, "sim-live");
    // The venue has the one whose place left before the crash, not the other.
    await rpc.serve("broker.sim-live.query-order", (req) => {
      const { orderId } = req as { orderId: string };
      if (orderId !== sent.id) return null;
      const { account, venue, symbol, side, type, quantity, price } = sent;
      const status = "ACCEPTED";
      return {
        orderId,
        venueOrderId: "V-sent",
        account,
        venue,
        symbol,
        side,
        type,
        status,
        quantity,
        price,
        filledQuantity: "0",
        averagePrice: null,
        tsEvent: "1",
      } satisfies VenueOrder;
    });
    mode = "PAPER";
    const oms = testOrderManager(repository, rpc, {
      routes: { sim: "sim-live" },
      accountMode: () => mode,
      outcomeLookups: { firstLookupMs: 1, maxLookupMs: 5, notFoundGraceMs: 0 },
    });
    try {
      await oms.resumeNew();
      // Never placed again under the old mode: neither at the LIVE venue nor on paper.
      expect(placed).toEqual({ paper: [], "sim-live": [] });
      await eventually(async () => {
        expect((await repository.get(unsent.id))?.status).toBe("REJECTED");
        expect(await repository.get(sent.id)).toMatchObject({ status: "ACCEPTED", venueOrderId: "V-sent" });
      });
      expect(placed).toEqual({ paper: [], "sim-live": [] });
    } finally {
      oms.outcomes.stop();
    }
  });
});
