import { afterEach, describe, expect, it } from "bun:test";
import {
  type BrokerAck,
  EventTypes,
  type Order,
  type OrderRequest,
  type Position,
  RISK_ENGINE_ACTOR,
  Subjects,
  Topics,
  type TradingStateChange,
} from "@jts/contracts";
import { type AppError, envelope, type Runtime } from "@jts/kit";
import { eventually } from "@jts/kit/testing";
import type { OrderExecutionOptions } from "./service.ts";
import { omsOnPaper } from "./testing/oms-on-paper.ts";

/** The OMS in front of the real paper venue (its matching engine), on in-memory ports. */
async function platform(options: OrderExecutionOptions = {}) {
  const p = await omsOnPaper(options);
  stops.push(p.stop);
  const submit = async (overrides: Partial<OrderRequest> = {}) =>
    (await p.oms.manager.submit(p.request(overrides))).order;
  const status = async (id: string) => (await p.oms.manager.get(id)).status;
  return { ...p, manager: p.oms.manager, submit, status };
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe("OMS with the paper venue", () => {
  it("folds a partial fill from the venue, then cancels the rest", async () => {
    const { manager, quote, submit } = await platform();
    await quote("100000000", "101000000");
    const order = await submit({ quantity: "2" });
    expect(order.status).toBe("ACCEPTED");
    await quote("98000000", "99000000", "0.5");
    await eventually(async () =>
      expect(await manager.get(order.id)).toMatchObject({ status: "PARTIALLY_FILLED", filledQuantity: "0.5" }),
    );
    const canceled = await manager.cancel(order.id);
    expect(canceled).toMatchObject({ status: "CANCELED", filledQuantity: "0.5" });
  });

  it("cancel-all cancels the working orders of an account and/or symbol and leaves the rest", async () => {
    const { manager, quote, submit, paper } = await platform();
    await quote("100000000", "101000000");
    const mine = await submit({ account: "alice" });
    const mineToo = await submit({ account: "alice", price: "98000000" });
    const eth = await submit({ account: "alice", symbol: "ETH-KRW", price: "3000000" });
    const bobs = await submit({ account: "bob" });
    const filled = await submit({ account: "alice", type: "MARKET", price: undefined, timeInForce: "IOC" });
    await eventually(async () => expect((await manager.get(filled.id)).status).toBe("FILLED"));

    const bySymbol = await manager.cancelAll({ account: "alice", symbol: "BTC-KRW" });
    expect(bySymbol.map((o) => o.id).sort()).toEqual([mine.id, mineToo.id].sort());
    expect(bySymbol.every((o) => o.status === "CANCELED")).toBe(true);
    expect(
      paper.engine
        .openOrders()
        .map((o) => o.orderId)
        .sort(),
    ).toEqual([eth.id, bobs.id].sort());
    // A caller scoped to its accounts cannot reach bob's order.
    expect(await manager.cancelAll({ account: "bob", accounts: ["alice"] })).toEqual([]);
    const rest = await manager.cancelAll({});
    expect(rest.map((o) => o.id).sort()).toEqual([eth.id, bobs.id].sort());
    expect(paper.engine.openOrders()).toEqual([]);
  });

  it("amends by cancel-replace: the old order ends CANCELED, the replacement works the new price", async () => {
    const { manager, quote, submit, paper } = await platform();
    await quote("100000000", "101000000");
    const old = await submit();
    const replacement = await manager.amend(old.id, { price: "99500000" });
    expect(replacement).toMatchObject({
      status: "ACCEPTED",
      price: "99500000",
      quantity: "1",
      clientOrderId: `${old.clientOrderId}.r1`,
    });
    expect((await manager.get(old.id)).status).toBe("CANCELED");
    expect(paper.engine.openOrders().map((o) => [o.orderId, o.price])).toEqual([[replacement.id, "99500000"]]);
    const again = await manager.amend(replacement.id, { quantity: "3" });
    expect(again).toMatchObject({ clientOrderId: `${old.clientOrderId}.r2`, quantity: "3", price: "99500000" });
  });

  it("gives the replacement the next free clientOrderId when <old>.r1 is taken, never cancelling without a new order", async () => {
    const { manager, quote, submit, paper } = await platform();
    await quote("100000000", "101000000");
    const old = await submit({ clientOrderId: "x" });
    const taken = await submit({ clientOrderId: "x.r1", price: "98000000" });
    const replacement = await manager.amend(old.id, { price: "99500000" });
    expect(replacement.id).not.toBe(taken.id);
    expect(replacement).toMatchObject({ clientOrderId: "x.r2", status: "ACCEPTED", price: "99500000" });
    expect((await manager.get(old.id)).status).toBe("CANCELED");
    expect(await manager.get(taken.id)).toMatchObject({ status: "ACCEPTED", price: "98000000" });
    expect(paper.engine.openOrders().map((o) => o.orderId)).toEqual([taken.id, replacement.id]);
  });

  it("takes what the old order filled off the replacement's quantity, and refuses a total at or below it", async () => {
    const { manager, quote, submit } = await platform();
    await quote("100000000", "101000000");
    const old = await submit({ quantity: "2" });
    await quote("98000000", "99000000", "0.5");
    await eventually(async () => expect((await manager.get(old.id)).filledQuantity).toBe("0.5"));
    await quote("100000000", "101000000");
    const tooSmall = await manager.amend(old.id, { quantity: "0.5" }).catch((e: AppError) => e);
    expect((tooSmall as AppError).status).toBe(409);
    expect((await manager.get(old.id)).status).toBe("PARTIALLY_FILLED");
    const badTick = await manager.amend(old.id, { price: "99000500" }).catch((e: AppError) => e);
    expect((badTick as AppError).status).toBe(422);
    expect((await manager.get(old.id)).status).toBe("PARTIALLY_FILLED");
    const replacement = await manager.amend(old.id, { quantity: "3" });
    expect(replacement.quantity).toBe("2.5");
  });

  it("refuses to amend a closed order or an amend with nothing to change", async () => {
    const { manager, quote, submit } = await platform();
    await quote("100000000", "101000000");
    const open = await submit();
    expect(((await manager.amend(open.id, {}).catch((e: AppError) => e)) as AppError).status).toBe(422);
    await manager.cancel(open.id);
    expect(((await manager.amend(open.id, { price: "1000" }).catch((e: AppError) => e)) as AppError).status).toBe(409);
  });

  it("cancels every open order in scope on HALTED with cancelOpenOrders, and nothing without it", async () => {
    const { runtime, quote, submit, status, paper } = await platform();
    await quote("100000000", "101000000");
    const alice = await submit({ account: "alice" });
    const bob = await submit({ account: "bob" });
    const halt = (account: string | null, cancelOpenOrders: boolean) =>
      runtime.bus.publish(
        Topics.tradingState,
        envelope<TradingStateChange>(EventTypes.tradingState, "risk", account ?? "platform", {
          account,
          state: "HALTED",
          previous: "ACTIVE",
          reason: "test",
          changedBy: "admin",
          cancelOpenOrders,
          tsEvent: "1",
        }),
      );
    await halt("alice", false);
    await Bun.sleep(20);
    expect(await status(alice.id)).toBe("ACCEPTED");
    await halt("alice", true);
    await eventually(async () => expect(await status(alice.id)).toBe("CANCELED"));
    expect(await status(bob.id)).toBe("ACCEPTED");
    await halt(null, true);
    await eventually(async () => expect(await status(bob.id)).toBe("CANCELED"));
    expect(paper.engine.openOrders()).toEqual([]);
  });

  describe("an automatic HALT and the protective stops", () => {
    const haltBy = (runtime: Runtime, changedBy: string) =>
      runtime.bus.publish(
        Topics.tradingState,
        envelope<TradingStateChange>(EventTypes.tradingState, "risk", "alice", {
          account: "alice",
          state: "HALTED",
          previous: "ACTIVE",
          reason: "daily loss 1,000,000 KRW reached the limit",
          changedBy,
          cancelOpenOrders: true,
          tsEvent: "1",
        }),
      );
    /** alice is long 1 BTC-KRW; an entry, a protective stop, a stop that would flip her short, a buy stop. */
    async function book(options: OrderExecutionOptions = {}, positions: () => Position[] = () => [longOne]) {
      const p = await platform(options);
      await p.runtime.rpc.serve(Subjects.positions, () => positions());
      await p.quote("100000000", "101000000");
      const stopSell = { side: "SELL" as const, type: "STOP_MARKET" as const, price: undefined, account: "alice" };
      const orders = {
        entry: await p.submit({ account: "alice" }),
        protective: await p.submit({ ...stopSell, stopPrice: "95000000" }),
        flipping: await p.submit({ ...stopSell, stopPrice: "94000000", quantity: "0.5" }),
        buyStop: await p.submit({ account: "alice", type: "STOP_MARKET", price: undefined, stopPrice: "102000000" }),
      };
      return { ...p, orders };
    }
    const longOne: Position = {
      account: "alice",
      symbol: "BTC-KRW",
      venue: "sim",
      quantity: "1",
      averagePrice: "100000000",
      realizedPnl: "0",
      unrealizedPnl: "0",
      lastPrice: null,
      currency: "KRW",
      updatedAt: "1",
    };

    it("cancels the entries and keeps the reduce-only stop at the venue; an operator's HALT cancels it too", async () => {
      const { runtime, orders, status, paper } = await book();
      await haltBy(runtime, RISK_ENGINE_ACTOR);
      await eventually(async () => expect(await status(orders.buyStop.id)).toBe("CANCELED"));
      expect(await status(orders.entry.id)).toBe("CANCELED");
      expect(await status(orders.flipping.id)).toBe("CANCELED");
      expect(await status(orders.protective.id)).toBe("ACCEPTED");
      expect(paper.engine.openOrders().map((o) => o.orderId)).toEqual([orders.protective.id]);

      await haltBy(runtime, "admin");
      await eventually(async () => expect(await status(orders.protective.id)).toBe("CANCELED"));
      expect(paper.engine.openOrders()).toEqual([]);
    });

    it("cancels the stops too when configured off, or when the positions cannot be read (with an alert)", async () => {
      const off = await book({ haltKeepsProtectiveStops: false });
      await haltBy(off.runtime, RISK_ENGINE_ACTOR);
      await eventually(async () => expect(await off.status(off.orders.protective.id)).toBe("CANCELED"));

      const blind = await book({}, () => {
        throw new Error("portfolio down");
      });
      await haltBy(blind.runtime, RISK_ENGINE_ACTOR);
      await eventually(async () => expect(await blind.status(blind.orders.protective.id)).toBe("CANCELED"));
      await eventually(() =>
        expect(blind.alerts.map((a) => a.title)).toContain("HALT could not keep protective stops"),
      );
    });

    it("leaves an admin's cancel-all cancelling everything", async () => {
      const { manager, orders, status } = await book();
      await manager.cancelAll({ account: "alice" });
      expect(await status(orders.protective.id)).toBe("CANCELED");
    });
  });

  it("announces a venue-held stop's trigger on its first fill, once", async () => {
    const { manager, quote, submit, alerts } = await platform();
    await quote("100000000", "101000000");
    const stop = await submit({ type: "STOP_MARKET", price: undefined, stopPrice: "102000000" });
    await quote("101500000", "102000000");
    await eventually(async () => expect((await manager.get(stop.id)).status).toBe("FILLED"));
    await eventually(() => expect(alerts.map((a) => a.kind)).toEqual(["STOP_TRIGGERED"]));
    expect(alerts[0]).toMatchObject({ orderId: stop.id });
    expect(alerts[0]?.message).toContain("triggered: first fill at the venue, 1 @ 102000000");
    await Bun.sleep(20);
    expect(alerts).toHaveLength(1);
  });

  it("sends stops to a venue that holds them (paper), untouched by the OMS", async () => {
    const { manager, quote, submit, paper } = await platform();
    await quote("100000000", "101000000");
    const stop = await submit({ type: "STOP_MARKET", price: undefined, stopPrice: "102000000", timeInForce: "GTC" });
    expect(stop.venueOrderId).not.toBeNull();
    expect(manager.stops.size).toBe(0);
    expect(paper.engine.openOrders()[0]?.type).toBe("STOP_MARKET");
  });
});

describe("OMS holding stops for a venue without them", () => {
  const local = { nativeStops: { paper: false } };

  it("holds a STOP_MARKET until the market reaches it, then sends a MARKET order that fills", async () => {
    const { manager, quote, submit, paper } = await platform(local);
    await quote("100000000", "101000000");
    const stop = await submit({ type: "STOP_MARKET", price: undefined, stopPrice: "102000000", timeInForce: "GTC" });
    expect(stop).toMatchObject({ status: "ACCEPTED", venueOrderId: null });
    expect(paper.engine.openOrders()).toEqual([]);
    await quote("100500000", "101500000");
    expect(await manager.get(stop.id)).toMatchObject({ status: "ACCEPTED", venueOrderId: null });
    await quote("101500000", "102000000");
    await eventually(async () =>
      expect(await manager.get(stop.id)).toMatchObject({ status: "FILLED", averagePrice: "102000000" }),
    );
    expect(paper.engine.queryOrder({ orderId: stop.id })?.type).toBe("MARKET");
  });

  it("announces the trigger of a held stop once, naming the order", async () => {
    const { quote, submit, alerts } = await platform(local);
    await quote("100000000", "101000000");
    const stop = await submit({ type: "STOP_MARKET", price: undefined, stopPrice: "102000000", timeInForce: "GTC" });
    expect(alerts).toEqual([]);
    await quote("101500000", "102000000");
    await eventually(() =>
      expect(alerts).toEqual([
        expect.objectContaining({ kind: "STOP_TRIGGERED", severity: "INFO", orderId: stop.id, account: "paper-main" }),
      ]),
    );
    expect(alerts[0]?.message).toContain("BUY 1 BTC-KRW stop 102000000 (c1) triggered: sent to the venue as MARKET");
    // Filled at the venue afterwards: still one announcement, not a second one for the fill.
    await Bun.sleep(20);
    expect(alerts.filter((a) => a.kind === "STOP_TRIGGERED")).toHaveLength(1);
  });

  it("releases a triggered STOP_LIMIT as a resting LIMIT at its price", async () => {
    const { manager, quote, submit, paper } = await platform(local);
    await quote("100000000", "101000000");
    const stop = await submit({ side: "SELL", type: "STOP_LIMIT", stopPrice: "99000000", price: "98000000" });
    await quote("97000000", "97500000");
    await eventually(() => expect(paper.engine.openOrders()[0]).toMatchObject({ type: "LIMIT", price: "98000000" }));
    expect((await manager.get(stop.id)).status).toBe("ACCEPTED");
  });

  it("cancels a held stop without asking the venue, and expires a held DAY stop at the session end", async () => {
    const sessionEnd = () => 5_000n;
    const { manager, quote, submit } = await platform({ ...local, sessionEnd });
    await quote("100000000", "101000000");
    const gtc = await submit({ type: "STOP_MARKET", price: undefined, stopPrice: "102000000" });
    expect((await manager.cancel(gtc.id)).status).toBe("CANCELED");
    const day = await submit({ type: "STOP_MARKET", price: undefined, stopPrice: "102000000", timeInForce: "DAY" });
    expect(await manager.expireHeldStops(4_999n)).toEqual([]);
    const [expired] = await manager.expireHeldStops(5_000n);
    expect(expired).toMatchObject({ id: day.id, status: "EXPIRED" });
    await quote("102000000", "103000000");
    await Bun.sleep(20);
    expect((await manager.get(day.id)).status).toBe("EXPIRED");
  });

  it("holds the stops again after a restart", async () => {
    const first = await platform(local);
    await first.quote("100000000", "101000000");
    const stop = await first.submit({ type: "STOP_MARKET", price: undefined, stopPrice: "102000000" });
    const again = await first.startOms({ repository: first.oms.repository });
    expect(again.manager.stops.has(stop.id)).toBe(true);
  });
});

/** A venue broker on the bus that accepts every place and every cancel (as venues do for a repeated cancel), and records them. */
async function liveBroker(runtime: Runtime, name: string) {
  const placed: string[] = [];
  const canceled: string[] = [];
  await runtime.rpc.serve(`broker.${name}.place`, (request) => {
    const { order } = request as { order: Order };
    placed.push(order.id);
    return { orderId: order.id, accepted: true, venueOrderId: `V-${order.id}`, reason: null, tsEvent: "1" };
  });
  await runtime.rpc.serve(`broker.${name}.cancel`, (request) => {
    const { orderId } = request as { orderId: string };
    canceled.push(orderId);
    // It never fills, so it had filled nothing when it canceled.
    return {
      orderId,
      accepted: true,
      venueOrderId: null,
      reason: null,
      filledQuantity: "0",
      tsEvent: "1",
    } as BrokerAck;
  });
  return { placed, canceled };
}

describe("routing by account mode", () => {
  it("sends PAPER accounts to the paper broker and LIVE ones to their venue's broker", async () => {
    const live: string[] = [];
    const { runtime, submit, paper } = await platform({
      routes: { sim: "sim-live" },
      accountMode: (account) => (account === "live-1" ? "LIVE" : "PAPER"),
      reconcileOnStart: false,
    });
    await runtime.rpc.serve("broker.sim-live.place", (request) => {
      const { order } = request as { order: Order };
      live.push(order.id);
      return { orderId: order.id, accepted: true, venueOrderId: "L-1", reason: null, tsEvent: "1" } as BrokerAck;
    });
    const paperOrder = await submit({ account: "paper-1" });
    const liveOrder = await submit({ account: "live-1" });
    expect(live).toEqual([liveOrder.id]);
    expect(liveOrder.venueOrderId).toBe("L-1");
    expect(paper.engine.openOrders().map((o) => o.orderId)).toEqual([paperOrder.id]);
  });
});

describe("the broker an order went to", () => {
  it("is where a kill-switch cancel goes after a restart, even while the account's mode still reads PAPER", async () => {
    let mode: "PAPER" | "LIVE" = "LIVE";
    const first = await platform({ routes: { sim: "sim-live" }, accountMode: () => mode, reconcileOnStart: false });
    const venue = await liveBroker(first.runtime, "sim-live");
    const order = await first.submit({ account: "live-1" });
    expect(venue.placed).toEqual([order.id]);
    await first.oms.stop();

    // Another OMS over the same orders whose mode book has not loaded yet: every account reads PAPER.
    mode = "PAPER";
    const again = await first.startOms({ repository: first.oms.repository });
    const halt: TradingStateChange = {
      state: "HALTED",
      previous: "ACTIVE",
      account: null,
      cancelOpenOrders: true,
      reason: "kill switch",
      changedBy: "root",
      tsEvent: "1",
    };
    expect((await again.manager.onTradingState(halt)).map((o) => o.id)).toEqual([order.id]);
    expect(venue.canceled).toEqual([order.id]);
    expect(first.paper.engine.openOrders()).toEqual([]);
  });

  it("keeps a LIVE account's held stop held after a restart that reads the account as PAPER", async () => {
    let mode: "PAPER" | "LIVE" = "LIVE";
    const options = { routes: { sim: "sim-live" }, accountMode: () => mode, reconcileOnStart: false };
    const first = await platform(options);
    await liveBroker(first.runtime, "sim-live");
    const stop = await first.submit({
      account: "live-1",
      type: "STOP_MARKET",
      price: undefined,
      stopPrice: "102000000",
    });
    expect(first.manager.stops.has(stop.id)).toBe(true);
    await first.oms.stop();

    mode = "PAPER";
    const again = await first.startOms({ repository: first.oms.repository });
    expect(again.manager.stops.has(stop.id)).toBe(true);
  });
});

describe("amend against a venue that accepts a repeated cancel", () => {
  it("makes one replacement when the same amend arrives twice at once", async () => {
    const { runtime, manager, submit } = await platform({
      routes: { sim: "sim-live" },
      accountMode: () => "LIVE",
      reconcileOnStart: false,
    });
    await liveBroker(runtime, "sim-live");
    const old = await submit({ clientOrderId: "y" });
    const results = await Promise.allSettled([1, 2].map(() => manager.amend(old.id, { price: "99500000" })));
    const replacements = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.id] : []));
    expect(replacements).toHaveLength(2);
    expect(new Set(replacements).size).toBe(1);
    expect((await manager.list()).map((o) => o.clientOrderId).sort()).toEqual(["y", "y.r1"]);
  });
});
