import { expect, it } from "bun:test";
import type { BrokerAck, Envelope, Order } from "@jts/contracts";
import { createLogger, InstrumentCatalog, MemoryEventBus, MemoryRpc } from "@jts/kit";
import { RiskEngine } from "../../risk-management/src/engine.ts";
import { OrderManager } from "./manager.ts";
import { MemoryOrderRepository } from "./memory-repository.ts";

const WEDNESDAY_10_KST = Date.UTC(2026, 10, 25, 1, 0);

async function setup(cash: string, limits = { maxOrderNotional: "100000000", maxPositionNotional: "200000000" }) {
  const placed: Order[] = [];
  const engine = new RiskEngine(new InstrumentCatalog(), limits, { now: () => WEDNESDAY_10_KST });
  engine.onPrice("005930", "70000");
  engine.seedAccount({ id: "acc", owner: "t", venue: "sim", kind: "CASH", baseCurrency: "KRW", mode: "PAPER",
    balances: [{ account: "acc", currency: "KRW", total: cash, free: cash, locked: "0" }] });
  const rpc = new MemoryRpc();
  const bus = new MemoryEventBus();
  await bus.subscribe("order.updated", (e: Envelope) => void engine.onOrder(e.payload as Order));
  await rpc.serve("risk.check", (req) => {
    const { order } = req as { order: Order };
    const d = engine.check(order);
    if (d.approved) engine.accept(order);
    return d;
  });
  await rpc.serve("broker.paper.place", (req) => {
    const { order } = req as { order: Order };
    placed.push(order);
    return { orderId: order.id, accepted: true, venueOrderId: `V-${order.id}`, reason: null, tsEvent: "1" };
  });
  await rpc.serve("broker.paper.cancel", (req) => {
    const { orderId } = req as { orderId: string };
    const ack: BrokerAck = { orderId, accepted: true, venueOrderId: null, reason: null, tsEvent: "1", filledQuantity: "0" };
    return ack;
  });
  const manager = new OrderManager(new MemoryOrderRepository(bus), new InstrumentCatalog(), rpc, createLogger({}, "error", () => {}), {
    routes: { sim: "paper" }, defaultAccount: "acc", nativeStops: { paper: false },
  });
  return { engine, manager, placed };
}

const fill = (quantity: string) => ({ id: "f1", orderId: "o0", clientOrderId: "c0", account: "acc", venue: "sim" as const,
  symbol: "005930", side: "BUY" as const, price: "70000", quantity, fee: "0", feeCurrency: "KRW", liquidity: "TAKER" as const, strategyId: null, tsEvent: "1" });

it("REVIEW: a cash account's full-size stop-loss cannot be moved (amend double-counts the old stop)", async () => {
  const { engine, manager } = await setup("10000000");
  engine.onFill(fill("10")); // long 10
  const { order } = await manager.submit({ clientOrderId: "sl", symbol: "005930", side: "SELL", type: "STOP_MARKET", stopPrice: "65000", quantity: "10", timeInForce: "GTC" });
  expect(order.status).toBe("ACCEPTED");
  const error = await manager.amend(order.id, { stopPrice: "68000" }).catch((e: Error) => e);
  console.log("amend stop 65000 -> 68000:", error instanceof Error ? error.message : (error as Order).status);
  expect(error).not.toBeInstanceOf(Error);
});

it("REVIEW: a buy that uses most of the cash cannot have its price moved one tick", async () => {
  const { manager } = await setup("800000");
  const { order } = await manager.submit({ clientOrderId: "b", symbol: "005930", side: "BUY", type: "LIMIT", price: "70000", quantity: "10", timeInForce: "GTC" });
  expect(order.status).toBe("ACCEPTED");
  const error = await manager.amend(order.id, { price: "70100" }).catch((e: Error) => e);
  console.log("amend price 70000 -> 70100:", error instanceof Error ? error.message : (error as Order).status);
  expect(error).not.toBeInstanceOf(Error);
});

it("REVIEW: REDUCING: the closing order's price cannot be amended", async () => {
  const { engine, manager } = await setup("100000000");
  engine.onFill(fill("10"));
  const { order } = await manager.submit({ clientOrderId: "tp", symbol: "005930", side: "SELL", type: "LIMIT", price: "71000", quantity: "10", timeInForce: "GTC" });
  expect(order.status).toBe("ACCEPTED");
  engine.setState("REDUCING", "drawdown", "risk-management");
  const error = await manager.amend(order.id, { price: "70500" }).catch((e: Error) => e);
  console.log("REDUCING amend 71000 -> 70500:", error instanceof Error ? error.message : (error as Order).status);
  expect(error).not.toBeInstanceOf(Error);
});

it("REVIEW: a BUY STOP_MARKET with stop 1 passes a 1,000,000 order limit and goes out as a 700,000,000 MARKET buy", async () => {
  const { manager, placed } = await setup("1000000000", { maxOrderNotional: "1000000", maxPositionNotional: "2000000" });
  const { order } = await manager.submit({ clientOrderId: "s1", symbol: "005930", side: "BUY", type: "STOP_MARKET", stopPrice: "1", quantity: "10000", timeInForce: "GTC" });
  console.log("submitted:", order.status, order.rejectReason);
  await manager.onTick({ symbol: "005930", venue: "sim", price: "70000", quantity: "1", aggressor: "NONE", tradeId: "t1", tsEvent: "1" });
  console.log("placed:", placed.map((o) => `${o.side} ${o.type} ${o.quantity}`));
  expect(placed).toEqual([]);
});

it("REVIEW: an OMS-held entry stop is released while risk is REDUCING / HALTED (no cancel), never re-checked", async () => {
  const { engine, manager, placed } = await setup("1000000000");
  const { order } = await manager.submit({ clientOrderId: "e1", symbol: "005930", side: "BUY", type: "STOP_MARKET", stopPrice: "71000", quantity: "10", timeInForce: "GTC" });
  expect(order.status).toBe("ACCEPTED");
  engine.setState("HALTED", "desk stop", "admin"); // cancelOpenOrders false: the OMS still holds the stop
  expect(engine.check({ ...order, id: "probe", clientOrderId: "probe", type: "MARKET", stopPrice: null }).approved).toBe(false);
  await manager.onTick({ symbol: "005930", venue: "sim", price: "71000", quantity: "1", aggressor: "NONE", tradeId: "t1", tsEvent: "1" });
  console.log("placed while HALTED:", placed.map((o) => `${o.side} ${o.type} ${o.quantity}`));
  expect(placed).toEqual([]);
});
