import { expect, it } from "bun:test";
import type { Alert, BrokerAck, Envelope, Order, Position } from "@jts/contracts";
import { InstrumentCatalog, MemoryEventBus, MemoryRpc } from "@jts/kit";
import { fillFixture } from "@jts/kit/testing";
import { RiskEngine } from "../../risk-management/src/engine.ts";
import { cashAccount } from "../../risk-management/src/testing.ts";
import { MemoryOrderRepository } from "./memory-repository.ts";
import { testOrderManager } from "./testing/manager.ts";

// Attacker review 13b, findings 1 (OMS side) and 5: a stop the OMS holds is released only if the real
// risk engine approves, at release time, the market order it becomes.

const WEDNESDAY_10_KST = Date.UTC(2026, 10, 25, 1, 0);

async function setup(cash: string, limits = { maxOrderNotional: "100000000", maxPositionNotional: "200000000" }) {
  const placed: Order[] = [];
  const alerts: Alert[] = [];
  const positions: Position[] = [];
  const engine = new RiskEngine(new InstrumentCatalog(), limits, { now: () => WEDNESDAY_10_KST });
  engine.onPrice("005930", "70000");
  engine.seedAccount(cashAccount("acc", cash, { owner: "t" }));
  const rpc = new MemoryRpc();
  const bus = new MemoryEventBus();
  await bus.subscribe("order.updated", (e: Envelope) => void engine.onOrder(e.payload as Order));
  await bus.subscribe("alert.raised", (e: Envelope) => void alerts.push(e.payload as Alert));
  await rpc.serve("risk.check", (req) => {
    const { order } = req as { order: Order };
    const d = engine.check(order);
    if (d.approved) engine.accept(order);
    return d;
  });
  /** What a consistent read (the stored books) answers when set; `positions` is a portfolio replica's memory. */
  const stored: { positions: Position[] | null } = { positions: null };
  await rpc.serve("portfolio.positions", (req) =>
    (req as { consistent?: boolean }).consistent && stored.positions ? stored.positions : positions,
  );
  await rpc.serve("broker.paper.place", (req) => {
    const { order } = req as { order: Order };
    placed.push(order);
    return { orderId: order.id, accepted: true, venueOrderId: `V-${order.id}`, reason: null, tsEvent: "1" };
  });
  await rpc.serve("broker.paper.cancel", (req) => {
    const { orderId } = req as { orderId: string };
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
  const manager = testOrderManager(new MemoryOrderRepository(bus), rpc, { nativeStops: { paper: false } });
  return { engine, manager, placed, alerts, positions, stored };
}

const longFill = (quantity: string) => fillFixture({ quantity });

const tick = (price: string) => ({
  symbol: "005930",
  venue: "sim" as const,
  price,
  quantity: "1",
  aggressor: "NONE" as const,
  tradeId: `t-${price}`,
  tsEvent: "1",
});

it("a BUY STOP_MARKET with stop 1 (the 700,000,000 MARKET buy it becomes) is refused by risk up front, never placed", async () => {
  const { manager, placed } = await setup("1000000000", {
    maxOrderNotional: "1000000",
    maxPositionNotional: "2000000",
  });
  const { order } = await manager.submit({
    clientOrderId: "s1",
    symbol: "005930",
    side: "BUY",
    type: "STOP_MARKET",
    stopPrice: "1",
    quantity: "10000",
    timeInForce: "GTC",
  });
  // Risk values a stop at the worst of its price and the market, and collars prices far from it.
  expect(order.status).toBe("REJECTED");
  expect(order.rejectReason).toContain("risk:");
  await manager.onTick(tick("70000"));
  expect(placed).toEqual([]);
});

it("a held stop is checked again at its trigger: limits lowered since it was accepted cancel it, with the reason and an alert", async () => {
  const { engine, manager, placed, alerts } = await setup("1000000000");
  const { order } = await manager.submit({
    clientOrderId: "s2",
    symbol: "005930",
    side: "BUY",
    type: "STOP_MARKET",
    stopPrice: "71000",
    quantity: "10",
    timeInForce: "GTC",
  });
  expect(order.status).toBe("ACCEPTED");
  engine.limits.set({}, { maxOrderNotional: "100000" });
  await manager.onTick(tick("71000"));
  expect(placed).toEqual([]);
  const after = await manager.get(order.id);
  expect(after.status).toBe("CANCELED");
  expect(after.rejectReason).toContain("stop triggered but risk refused its release");
  expect(alerts.map((a) => a.title)).toContain("Triggered stop canceled by risk");
});

it("an entry stop held while the account is HALTED (no cancel) is canceled at its trigger, with the reason and an alert", async () => {
  const { engine, manager, placed, alerts } = await setup("1000000000");
  const { order } = await manager.submit({
    clientOrderId: "e1",
    symbol: "005930",
    side: "BUY",
    type: "STOP_MARKET",
    stopPrice: "71000",
    quantity: "10",
    timeInForce: "GTC",
  });
  expect(order.status).toBe("ACCEPTED");
  engine.setState("HALTED", "desk stop", "admin");
  await manager.onTick(tick("71000"));
  expect(placed).toEqual([]);
  const after = await manager.get(order.id);
  expect(after).toMatchObject({ status: "CANCELED" });
  expect(after.rejectReason).toContain("stop triggered but risk refused its release");
  const trigger = alerts.find((a) => a.kind === "STOP_TRIGGERED");
  expect(trigger?.message).toContain("not sent: risk refused it");
  expect(alerts.find((a) => a.title === "Triggered stop canceled by risk")?.account).toBe("acc");
});

it("REDUCING: a stop-loss under a long is released; an entry stop is canceled", async () => {
  const { engine, manager, placed } = await setup("1000000000");
  engine.onFill(longFill("10"));
  const stopLoss = await manager.submit({
    clientOrderId: "sl",
    symbol: "005930",
    side: "SELL",
    type: "STOP_MARKET",
    stopPrice: "65000",
    quantity: "10",
    timeInForce: "GTC",
  });
  const entry = await manager.submit({
    clientOrderId: "en",
    symbol: "005930",
    side: "BUY",
    type: "STOP_MARKET",
    stopPrice: "75000",
    quantity: "10",
    timeInForce: "GTC",
  });
  engine.setState("REDUCING", "drawdown", "risk-management");
  await manager.onTick(tick("76000"));
  expect(placed).toEqual([]);
  expect((await manager.get(entry.order.id)).status).toBe("CANCELED");
  await manager.onTick(tick("64000"));
  expect(placed.map((o) => `${o.clientOrderId} ${o.side} ${o.type} ${o.quantity}`)).toEqual(["sl SELL MARKET 10"]);
  expect((await manager.get(stopLoss.order.id)).status).toBe("ACCEPTED");
});

it("HALTED: a reduce-only protective stop still goes at its trigger; a second one that would flip the position is canceled", async () => {
  const { engine, manager, placed, positions } = await setup("1000000000");
  engine.onFill(longFill("20"));
  const position = {
    account: "acc",
    symbol: "005930",
    venue: "sim",
    quantity: "10",
    averagePrice: "70000",
    realizedPnl: "0",
    unrealizedPnl: "0",
    lastPrice: "70000",
    currency: "KRW",
    updatedAt: "1",
  } satisfies Position;
  positions.push({ ...position, quantity: "20" });
  const stop = (clientOrderId: string, stopPrice: string) =>
    manager.submit({
      clientOrderId,
      symbol: "005930",
      side: "SELL",
      type: "STOP_MARKET",
      stopPrice,
      quantity: "10",
      timeInForce: "GTC",
    });
  const near = await stop("sl-near", "65000");
  const far = await stop("sl-far", "60000");
  expect([near.order.status, far.order.status]).toEqual(["ACCEPTED", "ACCEPTED"]);
  // 10 are sold meanwhile: were both stops to go, the long 10 left would flip to a short 10.
  engine.onFill({ ...longFill("10"), id: "f2", side: "SELL" });
  positions[0] = position;
  // The daily-loss HALT without cancel (or one that kept the protective stops): risk refuses every order.
  engine.setState("HALTED", "daily loss", "risk-management");
  await manager.onTick(tick("59000"));
  expect(placed.map((o) => `${o.clientOrderId} ${o.side} ${o.type} ${o.quantity}`)).toEqual(["sl-near SELL MARKET 10"]);
  expect((await manager.get(near.order.id)).status).toBe("ACCEPTED");
  const after = await manager.get(far.order.id);
  expect(after.status).toBe("CANCELED");
  expect(after.rejectReason).toContain("trading is HALTED");
});

it("a risk outage at the trigger does not lose a stop-loss: a reduce-only protective stop goes, an entry stop is canceled", async () => {
  const { engine, manager, placed, positions } = await setup("1000000000");
  engine.onFill(longFill("10"));
  positions.push({
    account: "acc",
    symbol: "005930",
    venue: "sim",
    quantity: "10",
    averagePrice: "70000",
    realizedPnl: "0",
    unrealizedPnl: "0",
    lastPrice: "70000",
    currency: "KRW",
    updatedAt: "1",
  });
  const submit = (clientOrderId: string, side: "BUY" | "SELL", stopPrice: string) =>
    manager.submit({
      clientOrderId,
      symbol: "005930",
      side,
      type: "STOP_MARKET",
      stopPrice,
      quantity: "10",
      timeInForce: "GTC",
    });
  const stopLoss = await submit("sl", "SELL", "65000");
  const entry = await submit("en", "BUY", "75000");
  expect([stopLoss.order.status, entry.order.status]).toEqual(["ACCEPTED", "ACCEPTED"]);
  // Risk stops answering (its check throws, as an rpc timeout does).
  engine.check = () => {
    throw new Error("risk is down");
  };
  await manager.onTick(tick("64000"));
  await manager.onTick(tick("76000"));
  expect(placed.map((o) => `${o.clientOrderId} ${o.side} ${o.type}`)).toEqual(["sl SELL MARKET"]);
  const canceled = await manager.get(entry.order.id);
  expect(canceled.status).toBe("CANCELED");
  expect(canceled.rejectReason).toContain("risk check failed");
});

it("HALTED: a stop is judged reduce-only against the stored positions, not a portfolio replica's memory that missed a close", async () => {
  const { engine, manager, placed, positions, stored } = await setup("1000000000");
  engine.onFill(longFill("10"));
  const long = {
    account: "acc",
    symbol: "005930",
    venue: "sim",
    quantity: "10",
    averagePrice: "70000",
    realizedPnl: "0",
    unrealizedPnl: "0",
    lastPrice: "70000",
    currency: "KRW",
    updatedAt: "1",
  } satisfies Position;
  positions.push(long);
  const { order } = await manager.submit({
    clientOrderId: "sl",
    symbol: "005930",
    side: "SELL",
    type: "STOP_MARKET",
    stopPrice: "65000",
    quantity: "10",
    timeInForce: "GTC",
  });
  // The long is closed by another order: the stored books hold nothing, a replica's memory still the long 10.
  engine.onFill({ ...longFill("10"), id: "f2", side: "SELL" });
  stored.positions = [];
  engine.setState("HALTED", "daily loss", "risk-management");
  await manager.onTick(tick("59000"));
  // Sold, the stop would open a short 10: it is not protective, and HALT refuses it.
  expect(placed).toEqual([]);
  const after = await manager.get(order.id);
  expect(after.status).toBe("CANCELED");
  expect(after.rejectReason).toContain("trading is HALTED");
});
