import { describe, expect, it } from "bun:test";
import {
  type Alert,
  type BrokerAck,
  type Envelope,
  type Order,
  type Position,
  RISK_ENGINE_ACTOR,
  RiskCheckRequest,
  type RiskDecision,
  type VenueOrder,
} from "@jts/contracts";
import { compile, MemoryEventBus, MemoryRpc } from "@jts/kit";
import { eventually } from "@jts/kit/testing";
import { CheckRequest } from "../../risk-management/src/model.ts";
import type { OrderManager, OrderManagerOptions } from "./manager.ts";
import { MemoryOrderRepository } from "./memory-repository.ts";
import { haltChange, testOrderManager } from "./testing/manager.ts";

// Attacker review 13b, findings 3, 4 and 6 (OMS side) and the native-amend refusal follow-up.

const approve: RiskDecision = { approved: true, rule: null, reason: null, tsEvent: "1" };
const halted: RiskDecision = { approved: false, rule: "TRADING_HALTED", reason: "halted", tsEvent: "1" };
const stateChange = haltChange;

/** The OMS before a fake risk and a fake venue whose rpc answers can be held up by a one-shot hook. */
async function setup(options: Partial<OrderManagerOptions> = {}) {
  const rpc = new MemoryRpc();
  const bus = new MemoryEventBus();
  const hooks: {
    onCheck?: () => Promise<void>;
    onCancel?: () => Promise<void>;
    onPlace?: (o: Order) => Promise<void>;
  } = {};
  const state = {
    decision: approve,
    placed: [] as Order[],
    canceled: [] as string[],
    requests: [] as unknown[],
    /** What the venue says of a cancel: refused while it does not know the order. */
    cancelRefusal: null as string | null,
    queryStatus: null as VenueOrder["status"] | null,
    amendRefusal: null as string | null,
    positions: [] as Position[],
  };
  const updates: Order[] = [];
  const alerts: Alert[] = [];
  await bus.subscribe("order.updated", (e: Envelope) => void updates.push(e.payload as Order));
  await bus.subscribe("alert.raised", (e: Envelope) => void alerts.push(e.payload as Alert));
  await rpc.serve("risk.check", async (req) => {
    state.requests.push(req);
    const hook = hooks.onCheck;
    hooks.onCheck = undefined;
    if (hook) await hook();
    return state.decision;
  });
  await rpc.serve("portfolio.positions", () => state.positions);
  for (const broker of ["paper", "native"]) {
    await rpc.serve(`broker.${broker}.place`, async (req) => {
      const { order } = req as { order: Order };
      const hook = hooks.onPlace;
      hooks.onPlace = undefined;
      if (hook) await hook(order);
      state.placed.push(order);
      return { orderId: order.id, accepted: true, venueOrderId: `V-${order.id}`, reason: null, tsEvent: "1" };
    });
    await rpc.serve(`broker.${broker}.cancel`, async (req) => {
      const { orderId } = req as { orderId: string };
      const hook = hooks.onCancel;
      hooks.onCancel = undefined;
      if (hook) await hook();
      if (state.cancelRefusal !== null)
        return { orderId, accepted: false, venueOrderId: null, reason: state.cancelRefusal, tsEvent: "1" };
      state.canceled.push(orderId);
      const ack: BrokerAck = {
        orderId,
        accepted: true,
        venueOrderId: null,
        reason: null,
        tsEvent: "1",
        filledQuantity: "0",
      };
      return ack;
    });
    await rpc.serve(`broker.${broker}.amend`, (req) => {
      const { orderId } = req as { orderId: string };
      return {
        orderId,
        accepted: state.amendRefusal === null,
        venueOrderId: null,
        reason: state.amendRefusal,
        tsEvent: "1",
      };
    });
  }
  const repository = new MemoryOrderRepository(bus);
  const manager = testOrderManager(repository, rpc, options);
  return { manager, hooks, state, updates, alerts, rpc };
}

const limitBuy = (clientOrderId: string, quantity = "1") =>
  ({
    clientOrderId,
    symbol: "005930",
    side: "BUY",
    type: "LIMIT",
    price: "70000",
    quantity,
    timeInForce: "GTC",
  }) as const;

const workingOrders = async (manager: OrderManager) =>
  (await manager.list()).filter((o) => ["NEW", "ACCEPTED", "PARTIALLY_FILLED", "OUTCOME_UNKNOWN"].includes(o.status));

describe("an amend in flight meets a HALT or cancel-all (finding 3)", () => {
  it("a HALT during the venue's cancel: the replacement approved before it is never placed", async () => {
    const { manager, hooks, state, alerts } = await setup();
    const { order } = await manager.submit(limitBuy("a-1"));
    expect(order.status).toBe("ACCEPTED");
    hooks.onCancel = async () => {
      state.decision = halted;
      await manager.onTradingState(stateChange());
    };
    const result = await manager.amend(order.id, { quantity: "50" });
    expect(result).toMatchObject({ id: order.id, status: "CANCELED" });
    expect(result.rejectReason).toContain("canceled by HALT (kill switch)");
    expect(await workingOrders(manager)).toEqual([]);
    expect(state.placed.map((o) => o.clientOrderId)).toEqual(["a-1"]);
    expect(alerts.map((a) => a.title)).toContain("Amend sent no replacement");
  });

  it("a cancel-all during the venue's cancel stops the amend the same way", async () => {
    const { manager, hooks, state } = await setup();
    const { order } = await manager.submit(limitBuy("a-2"));
    hooks.onCancel = async () => void (await manager.cancelAll({ account: "acc" }));
    const result = await manager.amend(order.id, { quantity: "5" });
    expect(result.rejectReason).toContain("canceled by cancel-all");
    expect(await workingOrders(manager)).toEqual([]);
    expect(state.placed).toHaveLength(1);
  });

  it("a cancel-all for another account leaves the amend alone", async () => {
    const { manager, hooks, state } = await setup();
    const { order } = await manager.submit(limitBuy("a-3"));
    hooks.onCancel = async () => void (await manager.cancelAll({ account: "other" }));
    const result = await manager.amend(order.id, { quantity: "5" });
    expect(result).toMatchObject({ clientOrderId: "a-3.r1", quantity: "5", status: "ACCEPTED" });
    expect(state.placed).toHaveLength(2);
  });

  it("a risk.state change (REDUCING, no cancel) during the cancel: risk is asked again before the replacement goes", async () => {
    const { manager, hooks, state } = await setup();
    const { order } = await manager.submit(limitBuy("a-4"));
    hooks.onCancel = async () => {
      state.decision = {
        approved: false,
        rule: "REDUCING_ONLY",
        reason: "reducing: only position-reducing orders",
        tsEvent: "1",
      };
      await manager.onTradingState(stateChange({ state: "REDUCING", cancelOpenOrders: false }));
    };
    const result = await manager.amend(order.id, { quantity: "5" });
    // Asked three times: the first place, the amend, and the replacement again after the epoch moved,
    // still naming the order it replaces.
    expect(state.requests).toHaveLength(3);
    expect(state.requests[2]).toMatchObject({ replaces: order.id, order: { clientOrderId: "a-4.r1", quantity: "5" } });
    expect(result).toMatchObject({ clientOrderId: "a-4.r1", status: "REJECTED" });
    expect(result.rejectReason).toContain("reducing: only position-reducing orders");
    expect(state.placed).toHaveLength(1);
  });

  it("with no state change in between the approval stands: risk is not asked a second time", async () => {
    const { manager, state } = await setup();
    const { order } = await manager.submit(limitBuy("a-5"));
    await manager.amend(order.id, { quantity: "5" });
    expect(state.requests).toHaveLength(2);
    expect(state.placed.map((o) => o.quantity)).toEqual(["1", "5"]);
  });
});

describe("HALT and cancel-all reach orders in flight (finding 4)", () => {
  it("HALT while the place is at the venue: the order is canceled as soon as its ack arrives", async () => {
    const { manager, hooks, state } = await setup();
    hooks.onPlace = async () => {
      state.decision = halted;
      await manager.onTradingState(stateChange());
    };
    const { order } = await manager.submit(limitBuy("n-1", "10"));
    expect(order.status).toBe("CANCELED");
    expect(order.rejectReason).toContain("canceled by HALT (kill switch)");
    expect(state.canceled).toEqual([order.id]);
  });

  it("cancel-all while the risk check is in flight: the order is never sent", async () => {
    const { manager, hooks, state } = await setup();
    hooks.onCheck = async () => void (await manager.cancelAll({}));
    const { order } = await manager.submit(limitBuy("n-2", "10"));
    expect(order.status).toBe("REJECTED");
    expect(order.rejectReason).toBe("canceled by cancel-all before it was sent");
    expect(state.placed).toEqual([]);
  });

  it("HALT on an OUTCOME_UNKNOWN order the venue cannot cancel yet: canceled when its lookup finds it", async () => {
    const { manager, hooks, state, rpc } = await setup({
      rpcTimeoutMs: 50,
      outcomeLookups: { firstLookupMs: 20, maxLookupMs: 40, notFoundGraceMs: 10_000 },
    });
    await rpc.serve("broker.paper.query-order", (req) => {
      const { orderId } = req as { orderId: string };
      if (state.queryStatus === null) return null;
      return {
        orderId,
        venueOrderId: "V9",
        account: "acc",
        venue: "sim",
        symbol: "005930",
        side: "BUY",
        type: "LIMIT",
        status: state.queryStatus,
        quantity: "10",
        filledQuantity: "0",
        price: "70000",
        averagePrice: null,
        tsEvent: "1",
      } satisfies VenueOrder;
    });
    hooks.onPlace = () => new Promise(() => {}); // the place never answers
    const { order } = await manager.submit(limitBuy("u-1", "10"));
    expect(order.status).toBe("OUTCOME_UNKNOWN");
    state.cancelRefusal = "unknown order";
    await manager.onTradingState(stateChange());
    expect((await manager.get(order.id)).status).toBe("OUTCOME_UNKNOWN");
    // The venue had it after all: the lookup's answer ACCEPTED is followed at once by the cancel.
    state.cancelRefusal = null;
    state.queryStatus = "ACCEPTED";
    await eventually(async () => expect((await manager.get(order.id)).status).toBe("CANCELED"), 3000);
    expect((await manager.get(order.id)).rejectReason).toContain("canceled by HALT");
    expect(state.canceled).toEqual([order.id]);
    manager.outcomes.stop();
  });

  it("an automatic HALT while a protective stop's place is in flight keeps that stop", async () => {
    const { manager, hooks, state } = await setup({ nativeStops: { paper: true } });
    state.positions = [
      {
        account: "acc",
        symbol: "005930",
        venue: "sim",
        quantity: "10",
        averagePrice: "70000",
        realizedPnl: "0",
        unrealizedPnl: "0",
        lastPrice: null,
        currency: "KRW",
        updatedAt: "1",
      },
    ];
    hooks.onPlace = async () => {
      await manager.onTradingState(stateChange({ changedBy: RISK_ENGINE_ACTOR, reason: "daily loss" }));
    };
    const { order } = await manager.submit({
      clientOrderId: "sl-1",
      symbol: "005930",
      side: "SELL",
      type: "STOP_MARKET",
      stopPrice: "65000",
      quantity: "10",
      timeInForce: "GTC",
    });
    expect(order.status).toBe("ACCEPTED");
    expect(state.canceled).toEqual([]);
  });
});

describe("risk.check requests (finding 6)", () => {
  const schemas = { contract: compile(RiskCheckRequest), riskOnMain: compile(CheckRequest) };

  it("a cancel-replace amend names the order it replaces; a new order and a native amend do not", async () => {
    const { manager, state } = await setup();
    const { order } = await manager.submit(limitBuy("r-1"));
    await manager.amend(order.id, { price: "70100" });
    const [placeRequest, amendRequest] = state.requests as RiskCheckRequest[];
    expect(Object.keys(placeRequest as object)).toEqual(["order"]);
    expect(amendRequest).toMatchObject({ replaces: order.id, order: { clientOrderId: "r-1.r1", price: "70100" } });
    for (const request of state.requests) {
      expect(schemas.contract.check(request)).toBe(true);
      expect(schemas.riskOnMain.check(request)).toBe(true);
    }

    const native = await setup({ routes: { sim: "native" }, accountMode: () => "LIVE", nativeAmend: { native: true } });
    const placed = await native.manager.submit(limitBuy("r-2"));
    await native.manager.amend(placed.order.id, { price: "70100" });
    expect(native.state.requests).toHaveLength(2);
    for (const request of native.state.requests) expect(Object.keys(request as object)).toEqual(["order"]);
  });
});

describe("a native amend the venue refuses (follow-up)", () => {
  it("republishes the unchanged order with a fresh updatedAt, so risk drops the amended reservation at once", async () => {
    const { manager, state, updates } = await setup({
      routes: { sim: "native" },
      accountMode: () => "LIVE",
      nativeAmend: { native: true },
    });
    const { order } = await manager.submit(limitBuy("k-1", "10"));
    const before = updates.length;
    const lastUpdate = (await manager.get(order.id)).updatedAt;
    state.amendRefusal = "정정 가능 수량 없음";
    await expect(manager.amend(order.id, { price: "70100" })).rejects.toThrow("refused the amend");
    await eventually(() => expect(updates.length).toBe(before + 1));
    const republished = updates.at(-1) as Order;
    expect(republished).toMatchObject({ id: order.id, price: "70000", quantity: "10", status: "ACCEPTED" });
    expect(BigInt(republished.updatedAt)).toBeGreaterThan(BigInt(lastUpdate));
  });
});
