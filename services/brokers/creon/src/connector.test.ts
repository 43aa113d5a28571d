import { afterEach, describe, expect, it } from "bun:test";
import { type Envelope, type ExecutionReport, Subjects, type Tick, Topics } from "@jts/contracts";
import { MemoryCache, MemoryRpc, memoryRuntime } from "@jts/kit";
import { eventually, orderFixture, silentLogger } from "@jts/kit/testing";
import { createCreonService } from "./service.ts";
import type { FakeCreonBridge } from "./testing/fake-creon.ts";
import { creonHarness } from "./testing/harness.ts";

let fake: FakeCreonBridge | undefined;
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
  await fake?.stop();
});

const limitBuy = (id: string, quantity = "10") =>
  orderFixture({
    id,
    clientOrderId: `c-${id}`,
    account: "creon-test",
    venue: "creon",
    type: "LIMIT",
    timeInForce: "DAY",
    price: "71000",
    quantity,
  });

/** The whole service on in-memory ports against the fake bridge, collecting what it publishes. */
async function startService() {
  const h = creonHarness();
  fake = h.fake;
  const runtime = { ...memoryRuntime(silentLogger), cache: new MemoryCache() };
  const service = createCreonService(runtime, { settings: h.settings, symbols: ["005930"], reconnectMinMs: 20 });
  const reports: ExecutionReport[] = [];
  const ticks: Tick[] = [];
  await runtime.bus.subscribe(Topics.executionReport, (e: Envelope) => {
    reports.push(e.payload as ExecutionReport);
  });
  await runtime.bus.subscribe(Topics.allTicks, (e: Envelope) => {
    ticks.push(e.payload as Tick);
  });
  await service.start();
  stop = () => service.stop();
  await eventually(() => expect(h.fake.subscriptionsUsed).toBe(1));
  return { ...h, runtime, service, reports, ticks };
}

describe("Creon order lifecycle against the fake bridge", () => {
  it("modifies a limit order's price in place (rpc broker.creon.amend) and counts fills under both numbers", async () => {
    const { fake, runtime, reports } = await startService();
    await runtime.rpc.request(Subjects.brokerPlace("creon"), { order: limitBuy("m1") });
    const amend = (changes: { quantity?: string; price: string }) =>
      runtime.rpc.request(Subjects.brokerAmend("creon"), {
        orderId: "m1",
        account: "creon-test",
        symbol: "005930",
        quantity: "10",
        ...changes,
      });
    fake.fill("1000", "3", "71000");
    expect(await amend({ price: "71100" })).toMatchObject({ orderId: "m1", accepted: true, venueOrderId: "1001" });
    expect(fake.orders.get("1001")).toMatchObject({ clientOrderId: "m1", quantity: "7", price: "71100" });
    expect(await amend({ quantity: "12", price: "71200" })).toMatchObject({ accepted: false });
    // The fill under the old number counts even when its event lands after the modify; that number's close is not the order's end.
    fake.fill("1001", "7", "71100");
    await eventually(() =>
      expect(
        reports
          .filter((r) => r.orderId === "m1")
          .map((r) => [r.kind, r.fill?.fillId ?? null, r.fill?.cumulativeQuantity ?? null]),
      ).toEqual([
        ["ACCEPTED", null, null],
        ["FILL", "1000-3", "3"],
        // The order's total over both numbers (what its reconciliation compares with), not 1001's own 7.
        ["FILL", "1001-7", "10"],
      ]),
    );
    expect(
      await runtime.rpc.request(Subjects.brokerQueryOrder("creon"), {
        account: "creon-test",
        symbol: "005930",
        orderId: "m1",
      }),
    ).toMatchObject({ orderId: "m1", venueOrderId: "1001", quantity: "10", filledQuantity: "10", status: "FILLED" });
  });

  it("reports a fill of a modified order without a cumulative quantity when the bridge cannot say what the earlier number executed", async () => {
    const { fake, runtime, reports } = await startService();
    await runtime.rpc.request(Subjects.brokerPlace("creon"), { order: limitBuy("m2") });
    fake.fill("1000", "3", "71000");
    await runtime.rpc.request(Subjects.brokerAmend("creon"), {
      orderId: "m2",
      account: "creon-test",
      symbol: "005930",
      quantity: "10",
      price: "71100",
    });
    // The bridge no longer knows the number the modify left: the total cannot be told, so none is
    // given (the OMS books the fill as it always did) rather than 1001's own 2 as if it were the order's.
    fake.orders.delete("1000");
    fake.fill("1001", "2", "71100");
    await eventually(() =>
      expect(reports.filter((r) => r.kind === "FILL").map((r) => [r.fill?.fillId, r.fill?.cumulativeQuantity])).toEqual(
        [
          ["1000-3", "3"],
          ["1001-2", undefined],
        ],
      ),
    );
  });

  it("places, fills in two parts through CpConclusion events, and reports positions and cash", async () => {
    const { fake, runtime, reports } = await startService();
    const ack = await runtime.rpc.request(Subjects.brokerPlace("creon"), { order: limitBuy("o1") });
    expect(ack).toMatchObject({ orderId: "o1", accepted: true, venueOrderId: "1000" });
    expect(fake.orders.get("1000")).toMatchObject({
      clientOrderId: "o1",
      code: "A005930",
      side: "BUY",
      orderType: "LIMIT",
      price: "71000",
    });

    fake.fill("1000", "4", "71000");
    fake.fill("1000", "6", "70900");
    await eventually(() =>
      expect(
        reports.map((r) => [
          r.kind,
          r.fill?.quantity ?? null,
          r.fill?.price ?? null,
          r.fill?.cumulativeQuantity ?? null,
        ]),
      ).toEqual([
        ["ACCEPTED", null, null, null],
        ["FILL", "4", "71000", "4"],
        ["FILL", "6", "70900", "10"],
      ]),
    );
    expect(reports[1]).toMatchObject({ orderId: "o1", venue: "creon", fill: { fillId: "1000-4", feeCurrency: "KRW" } });
    expect(
      await runtime.rpc.request(Subjects.brokerQueryOrder("creon"), {
        account: "creon-test",
        symbol: "005930",
        orderId: "o1",
      }),
    ).toMatchObject({
      orderId: "o1",
      venueOrderId: "1000",
      status: "FILLED",
      filledQuantity: "10",
      averagePrice: "70940",
    });
    expect(await runtime.rpc.request(Subjects.brokerPositions("creon"), { account: "creon-test" })).toMatchObject([
      { symbol: "005930", quantity: "10", averagePrice: "70940", venue: "creon" },
    ]);
    expect(await runtime.rpc.request(Subjects.brokerBalances("creon"), { account: "creon-test" })).toEqual([
      { account: "creon-test", currency: "KRW", total: "10000000", free: "10000000", locked: "0" },
    ]);
  });

  it("cancels an open order and reports CANCELED when the bridge confirms", async () => {
    const { fake, runtime, reports } = await startService();
    await runtime.rpc.request(Subjects.brokerPlace("creon"), { order: limitBuy("o2") });
    expect(await runtime.rpc.request(Subjects.brokerOpenOrders("creon"), { account: "creon-test" })).toMatchObject([
      { orderId: "o2", status: "ACCEPTED" },
    ]);
    const ack = await runtime.rpc.request(Subjects.brokerCancel("creon"), {
      orderId: "o2",
      account: "creon-test",
      symbol: "005930",
    });
    expect(ack).toMatchObject({ accepted: true, venueOrderId: "1000" });
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED", "CANCELED"]));
    expect(fake.orders.get("1000")?.status).toBe("CANCELED");
    const again = await runtime.rpc.request(Subjects.brokerCancel("creon"), {
      orderId: "o2",
      account: "creon-test",
      symbol: "005930",
    });
    expect(again).toMatchObject({ accepted: false, reason: "creon: ORDER_REFUSED: 취소가능수량이 없습니다" });
  });

  it("reports a refusal Creon sends after accepting", async () => {
    const { fake, runtime, reports } = await startService();
    await runtime.rpc.request(Subjects.brokerPlace("creon"), { order: limitBuy("o3") });
    fake.reject("1000", "가격제한폭 초과");
    await eventually(() =>
      expect(reports.map((r) => [r.kind, r.reason])).toEqual([
        ["ACCEPTED", null],
        ["REJECTED", "가격제한폭 초과"],
      ]),
    );
  });

  it("reports an IOC order's remainder canceled by Creon as EXPIRED", async () => {
    const h = creonHarness();
    fake = h.fake;
    const { ack } = await h.broker.place({ ...limitBuy("i1"), timeInForce: "IOC" });
    const event = {
      type: "execution" as const,
      orderNumber: ack.venueOrderId as string,
      clientOrderId: "i1",
      kind: "CANCELED" as const,
      code: "A005930",
      side: "BUY" as const,
      quantity: "0",
      price: "0",
      filledQuantity: "0",
      reason: null,
    };
    expect((await h.broker.onExecution(event)).map((r) => [r.kind, r.reason])).toEqual([
      ["EXPIRED", "IOC remainder canceled by KRX"],
    ]);
    expect(await h.broker.onExecution({ ...event, clientOrderId: "someone-else" })).toEqual([]);
  });

  it("streams StockCur trades as ticks", async () => {
    const { fake, ticks } = await startService();
    fake.trade("A005930", "71100", "7", "1200", "SELL");
    await eventually(() => expect(ticks).toHaveLength(1));
    expect(ticks[0]).toMatchObject({
      symbol: "005930",
      venue: "creon",
      price: "71100",
      quantity: "7",
      aggressor: "SELL",
    });
    expect(ticks[0]?.tradeId).toMatch(/^\d{8}-1200$/);
  });

  it("keeps one bridge stream across replicas, so each execution is published once", async () => {
    const h = creonHarness();
    fake = h.fake;
    const shared = { ...memoryRuntime(silentLogger), cache: new MemoryCache() };
    const replicas = [1, 2].map(() =>
      createCreonService({ ...shared, rpc: new MemoryRpc() }, { settings: h.settings, symbols: ["005930"] }),
    );
    const reports: ExecutionReport[] = [];
    await shared.bus.subscribe(Topics.executionReport, (e: Envelope) => {
      reports.push(e.payload as ExecutionReport);
    });
    for (const replica of replicas) await replica.start();
    stop = async () => {
      for (const replica of replicas) await replica.stop();
    };
    expect(replicas.map((r) => r.isLeader()).sort()).toEqual([false, true]);
    await eventually(() => expect(h.fake.subscriptionsUsed).toBe(1));
    const follower = replicas.find((r) => !r.isLeader());
    const { ack } = (await follower?.broker.place(limitBuy("f1"))) ?? {};
    h.fake.fill(ack?.venueOrderId as string, "10", "71000");
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["FILL"]));
    await Bun.sleep(50);
    expect(reports).toHaveLength(1);
    expect(h.fake.connections).toBe(1);
  });

  it("refuses what Creon would refuse, and answers a repeated place with the first ack", async () => {
    const { fake, broker } = creonHarness();
    try {
      expect((await broker.place(limitBuy("r1", "2.5"))).ack.reason).toBe("KRX stocks trade in whole shares");
      expect((await broker.place({ ...limitBuy("r2"), type: "STOP_MARKET" })).ack.accepted).toBe(false);
      expect((await broker.place({ ...limitBuy("r3"), side: "SELL" })).ack).toMatchObject({
        accepted: false,
        reason: "creon: ORDER_REFUSED: 매도가능수량이 부족합니다",
      });
      fake.connected = false;
      expect((await broker.place(limitBuy("r4"))).ack.reason).toBe("creon: NOT_CONNECTED: Creon HTS is not logged in");
      fake.connected = true;
      const first = await broker.place(limitBuy("r5"));
      expect(await broker.place(limitBuy("r5"))).toEqual({ ack: first.ack, reports: [] });
      expect([...fake.orders.values()].map((o) => o.clientOrderId)).toEqual(["r5"]);
    } finally {
      await fake.stop();
    }
  });
});
