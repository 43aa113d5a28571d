import { afterEach, describe, expect, it } from "bun:test";
import {
  type BrokerAck,
  EventTypes,
  type ExecutionReport,
  type Position,
  type Quote,
  type Tick,
  Topics,
  type VenueOrder,
} from "@jts/contracts";
import { envelope, MemoryDocumentStore, memoryRuntime } from "@jts/kit";
import { eventually, orderFixture, silentLogger } from "@jts/kit/testing";
import { documentOrderStore } from "./order-store.ts";
import { createPaperService } from "./service.ts";

const services: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});

async function paper() {
  const runtime = memoryRuntime(silentLogger);
  const service = createPaperService(runtime, { initialBalances: { acc: { KRW: "1000000" } }, expiryCheckMs: 10 });
  await service.start();
  services.push(service);
  const reports: ExecutionReport[] = [];
  await runtime.bus.subscribe(Topics.executionReport, (e) => void reports.push(e.payload as ExecutionReport));
  return { runtime, reports };
}

describe("paper broker service", () => {
  it("serves the broker rpc and publishes the engine's reports in order, fed by quotes and trades from the bus", async () => {
    const { runtime, reports } = await paper();
    const { rpc, bus } = runtime;
    await bus.publish(
      Topics.quote("sim", "005930"),
      envelope<Quote>(EventTypes.quote, "t", "005930", {
        symbol: "005930",
        venue: "sim",
        bid: "70000",
        ask: "70100",
        bidSize: "100",
        askSize: "100",
        tsEvent: "1",
      }),
    );
    const order = orderFixture({ id: "L1", type: "LIMIT", price: "69900", timeInForce: "GTC", quantity: "10" });
    const ack = await rpc.request<BrokerAck>("broker.paper.place", { order });
    expect(ack).toMatchObject({ accepted: true, orderId: "L1" });
    const open = await rpc.request<VenueOrder[]>("broker.paper.open-orders", { account: "acc" });
    expect(open.map((o) => [o.orderId, o.status])).toEqual([["L1", "ACCEPTED"]]);

    await bus.publish(
      Topics.tick("sim", "005930"),
      envelope<Tick>(EventTypes.tick, "t", "005930", {
        symbol: "005930",
        venue: "sim",
        price: "69900",
        quantity: "4",
        aggressor: "SELL",
        tradeId: "x1",
        tsEvent: "2",
      }),
    );
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED", "FILL"]));
    const queried = await rpc.request<VenueOrder>("broker.paper.query-order", {
      account: "acc",
      symbol: "005930",
      orderId: "L1",
    });
    expect(queried).toMatchObject({ status: "PARTIALLY_FILLED", filledQuantity: "4", averagePrice: "69900" });
    const positions = await rpc.request<Position[]>("broker.paper.positions", { account: "acc" });
    expect(positions[0]).toMatchObject({ symbol: "005930", quantity: "4" });
    const balances = await rpc.request<Array<{ currency: string; locked: string }>>("broker.paper.balances", {
      account: "acc",
    });
    expect(balances).toEqual([expect.objectContaining({ currency: "KRW", locked: "419400" })]);

    const cancel = await rpc.request<BrokerAck>("broker.paper.cancel", {
      orderId: "L1",
      account: "acc",
      symbol: "005930",
    });
    expect(cancel.accepted).toBe(true);
    await eventually(() => expect(reports.at(-1)?.kind).toBe("CANCELED"));
  });

  it("works its open orders again after a restart, from the documents store, and forgets the closed ones", async () => {
    const documents = new MemoryDocumentStore();
    const runtime = memoryRuntime(silentLogger);
    const first = createPaperService(runtime, { store: documentOrderStore(documents) });
    await first.start();
    const resting = orderFixture({ id: "R1", type: "LIMIT", price: "69000", timeInForce: "GTC", quantity: "10" });
    const canceled = orderFixture({ id: "C1", type: "LIMIT", price: "68000", timeInForce: "GTC", quantity: "1" });
    for (const order of [resting, canceled]) await runtime.rpc.request("broker.paper.place", { order });
    await runtime.rpc.request("broker.paper.cancel", { orderId: "C1", account: "acc", symbol: "005930" });
    await first.stop();

    const second = createPaperService(runtime, { store: documentOrderStore(documents) });
    services.push(second);
    await second.start();
    expect(second.engine.openOrders().map((o) => [o.orderId, o.status])).toEqual([["R1", "ACCEPTED"]]);
    // The same order placed again is the same order, not a second one.
    const again = await runtime.rpc.request<BrokerAck>("broker.paper.place", { order: resting });
    expect(again).toMatchObject({
      accepted: true,
      venueOrderId: second.engine.queryOrder({ orderId: "R1" })?.venueOrderId,
    });
    expect(second.engine.openOrders()).toHaveLength(1);
  });

  it("keeps its ledger across a restart: the same positions, cash and locked amounts after a partial fill, and a restored SELL does not go short", async () => {
    const documents = new MemoryDocumentStore();
    const runtime = memoryRuntime(silentLogger);
    const options = { store: documentOrderStore(documents), initialBalances: { acc: { KRW: "10000000" } } };
    const trade = (price: string, quantity: string) =>
      runtime.bus.publish(
        Topics.tick("sim", "005930"),
        envelope<Tick>(EventTypes.tick, "t", "005930", {
          symbol: "005930",
          venue: "sim",
          price,
          quantity,
          aggressor: "SELL",
          tradeId: crypto.randomUUID(),
          tsEvent: "2",
        }),
      );
    const first = createPaperService(runtime, options);
    await first.start();
    const buy = orderFixture({ id: "B1", type: "LIMIT", price: "70000", timeInForce: "GTC", quantity: "10" });
    await runtime.rpc.request("broker.paper.place", { order: buy });
    await trade("70000", "4");
    await eventually(() => expect(first.engine.queryOrder({ orderId: "B1" })?.status).toBe("PARTIALLY_FILLED"));
    const before = { positions: first.engine.positions("acc"), balances: first.engine.balances("acc") };
    expect(before.positions.map((p) => p.quantity)).toEqual(["4"]);
    expect(before.balances[0]?.locked).toBe("420000");
    await first.stop();

    // The old venue started from the starting balances again: no position, 10,000,000 KRW, 420,000 locked.
    const second = createPaperService(runtime, options);
    services.push(second);
    await second.start();
    // The last price is market data, not ledger: it comes back with the next quote or trade.
    expect(second.engine.positions("acc")).toEqual(before.positions.map((p) => ({ ...p, lastPrice: null })));
    expect(second.engine.balances("acc")).toEqual(before.balances);

    // A SELL of the 4 held rests, the venue restarts again, then it fills: the position ends at 0, not -4.
    const sell = orderFixture({
      id: "S1",
      side: "SELL",
      type: "LIMIT",
      price: "71000",
      timeInForce: "GTC",
      quantity: "4",
    });
    await runtime.rpc.request("broker.paper.place", { order: sell });
    await second.stop();
    services.splice(services.indexOf(second), 1);
    const third = createPaperService(runtime, options);
    services.push(third);
    await third.start();
    await runtime.bus.publish(
      Topics.tick("sim", "005930"),
      envelope<Tick>(EventTypes.tick, "t", "005930", {
        symbol: "005930",
        venue: "sim",
        price: "71000",
        quantity: "4",
        aggressor: "BUY",
        tradeId: crypto.randomUUID(),
        tsEvent: "3",
      }),
    );
    await eventually(() => expect(third.engine.queryOrder({ orderId: "S1" })?.status).toBe("FILLED"));
    const held = third.engine.positions("acc").find((p) => p.symbol === "005930");
    expect(held?.quantity).toBe("0");
    expect(BigInt(held?.realizedPnl ?? "0")).toBeGreaterThan(0n);
  });

  it("reads what an older version stored (open orders alone) and keeps its starting balances then", async () => {
    const runtime = memoryRuntime(silentLogger);
    const first = createPaperService(runtime);
    await first.start();
    const resting = orderFixture({ id: "O1", type: "LIMIT", price: "69000", timeInForce: "GTC", quantity: "1" });
    await runtime.rpc.request("broker.paper.place", { order: resting });
    await first.stop();
    await runtime.cache.set("paper:open-orders", JSON.stringify(first.engine.persistedOrders()));
    const second = createPaperService(runtime, { initialBalances: { acc: { KRW: "500000" } } });
    services.push(second);
    await second.start();
    expect(second.engine.openOrders().map((o) => o.orderId)).toEqual(["O1"]);
    expect(second.engine.balances("acc")).toEqual([
      { account: "acc", currency: "KRW", total: "500000", free: "431000", locked: "69000" },
    ]);
  });

  it("refuses malformed rpc requests instead of crashing", async () => {
    const { runtime } = await paper();
    await expect(runtime.rpc.request("broker.paper.place", { order: { id: 1 } })).rejects.toThrow();
    await expect(runtime.rpc.request("broker.paper.balances", {})).rejects.toThrow();
  });
});
