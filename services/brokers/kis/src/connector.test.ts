import { afterEach, describe, expect, it } from "bun:test";
import { type Envelope, type ExecutionReport, Subjects, type Tick, Topics } from "@jts/contracts";
import { MemoryRpc, memoryRuntime } from "@jts/kit";
import { eventually, orderFixture, silentLogger } from "@jts/kit/testing";
import { KisTokens } from "./auth.ts";
import { KisBroker } from "./connector.ts";
import { KisRest, kisHttp } from "./rest.ts";
import { createKisService } from "./service.ts";
import { FakeKis, tradeRecord } from "./testing/fake-kis.ts";
import { kisHarness } from "./testing/harness.ts";

let fake: FakeKis | undefined;
const fakes: FakeKis[] = [];
afterEach(async () => {
  await fake?.stop();
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

const limitBuy = (id: string, quantity = "10") =>
  orderFixture({
    id,
    clientOrderId: `c-${id}`,
    account: "kis-test",
    venue: "kis",
    type: "LIMIT",
    timeInForce: "DAY",
    price: "71000",
    quantity,
  });

function setup(env: "live" | "paper" = "live") {
  const h = kisHarness(env);
  fake = h.fake;
  return { ...h, broker: new KisBroker(h.settings, h.rest, h.cache) };
}

describe("KIS order lifecycle against the fake venue", () => {
  it("places a cash buy with the documented body, then reports partial and full fills", async () => {
    const { fake, broker } = setup();
    const { ack, reports } = await broker.place(limitBuy("o1"));
    expect(ack).toMatchObject({ orderId: "o1", accepted: true, venueOrderId: "0000012345", reason: null });
    expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED"]);
    const sent = fake.requests.find((r) => r.path.endsWith("/order-cash"));
    expect(sent?.headers.tr_id).toBe("TTTC0012U");
    expect(sent?.body).toEqual({
      CANO: "50012345",
      ACNT_PRDT_CD: "01",
      PDNO: "005930",
      ORD_DVSN: "00",
      ORD_QTY: "10",
      ORD_UNPR: "71000",
      EXCG_ID_DVSN_CD: "KRX",
    });

    fake.fill("0000012345", "4", "71000");
    const partial = await broker.poll();
    expect(partial.map((r) => [r.kind, r.fill?.quantity, r.fill?.price, r.fill?.cumulativeQuantity])).toEqual([
      ["FILL", "4", "71000", "4"],
    ]);
    expect(await broker.queryOrder({ account: "kis-test", symbol: "005930", orderId: "o1" })).toMatchObject({
      orderId: "o1",
      status: "PARTIALLY_FILLED",
      filledQuantity: "4",
      type: "LIMIT",
      price: "71000",
    });

    fake.fill("0000012345", "6", "70900");
    const rest = await broker.poll();
    // The second fill's own price comes back out of KIS's running average.
    expect(rest.map((r) => [r.kind, r.fill?.quantity, r.fill?.price, r.fill?.cumulativeQuantity])).toEqual([
      ["FILL", "6", "70900", "10"],
    ]);
    expect(await broker.poll()).toEqual([]);
    expect(await broker.openOrders("kis-test")).toEqual([]);
    expect(await broker.positions("kis-test")).toMatchObject([
      { symbol: "005930", quantity: "10", averagePrice: "70940", venue: "kis" },
    ]);
    expect(await broker.balances("kis-test")).toEqual([
      { account: "kis-test", currency: "KRW", total: "9290600", free: "9290600", locked: "0" },
    ]);
  });

  it("cancels an open order with the original's org number and reports CANCELED once KIS confirms", async () => {
    const { fake, broker } = setup();
    await broker.place(limitBuy("o2"));
    expect((await broker.openOrders()).map((o) => [o.orderId, o.status])).toEqual([["o2", "ACCEPTED"]]);
    const ack = await broker.cancel({ orderId: "o2", account: "kis-test", symbol: "005930" });
    expect(ack).toMatchObject({ accepted: true, venueOrderId: "0000012345" });
    const sent = fake.requests.find((r) => r.path.endsWith("/order-rvsecncl"));
    expect(sent?.headers.tr_id).toBe("TTTC0013U");
    expect(sent?.body).toMatchObject({
      KRX_FWDG_ORD_ORGNO: "06010",
      ORGN_ODNO: "0000012345",
      RVSE_CNCL_DVSN_CD: "02",
      QTY_ALL_ORD_YN: "Y",
    });
    expect((await broker.poll()).map((r) => r.kind)).toEqual(["CANCELED"]);
    expect(await broker.cancel({ orderId: "o2", account: "kis-test", symbol: "005930" })).toMatchObject({
      accepted: false,
      reason: "the order is no longer open at KIS",
    });
  });

  it("amends a limit order's price in place with 정정, follows it to its new order number and counts every row's fills", async () => {
    const { fake, broker, settings, rest, cache } = setup();
    await broker.place(limitBuy("r1"));
    fake.fill("0000012345", "3", "71000");
    expect((await broker.poll()).map((r) => [r.fill?.quantity, r.fill?.cumulativeQuantity])).toEqual([["3", "3"]]);
    // One more share fills on the original just before the 정정 reaches KIS; JTS has not polled it yet.
    fake.fill("0000012345", "1", "71000");
    const ack = await broker.amend({
      orderId: "r1",
      account: "kis-test",
      symbol: "005930",
      quantity: "10",
      price: "71100",
    });
    expect(ack).toMatchObject({ orderId: "r1", accepted: true, venueOrderId: "0000012346" });
    const sent = fake.requests.filter((r) => r.path.endsWith("/order-rvsecncl")).at(-1);
    expect(sent?.body).toMatchObject({
      ORGN_ODNO: "0000012345",
      KRX_FWDG_ORD_ORGNO: "06010",
      RVSE_CNCL_DVSN_CD: "01",
      ORD_UNPR: "71100",
      QTY_ALL_ORD_YN: "Y",
    });
    // KIS works the remainder (6) under the new number at the new price.
    expect(fake.order("0000012346")).toMatchObject({ orgn_odno: "0000012345", ord_qty: "6", ord_unpr: "71100" });
    fake.fill("0000012346", "2", "71100");
    const reports = await broker.poll();
    // KIS lists the day's orders newest first; the late fill on the earlier row happened first and is
    // reported first. Each fill's cumulative quantity is the JTS order's total over both rows (what
    // reconciliation compares with), not the row's own tot_ccld_qty.
    expect(
      reports.map((r) => [r.kind, r.fill?.fillId, r.fill?.quantity, r.fill?.price, r.fill?.cumulativeQuantity]),
    ).toEqual([
      ["FILL", "0000012345-4", "1", "71000", "4"],
      ["FILL", "0000012346-2", "2", "71100", "6"],
    ]);
    expect(await broker.queryOrder({ account: "kis-test", symbol: "005930", orderId: "r1" })).toMatchObject({
      orderId: "r1",
      venueOrderId: "0000012346",
      status: "PARTIALLY_FILLED",
      quantity: "10",
      filledQuantity: "6",
      price: "71100",
    });
    expect((await broker.openOrders("kis-test")).map((o) => [o.orderId, o.filledQuantity])).toEqual([["r1", "6"]]);
    // A restarted broker (another replica) reads the same state from the cache and goes on from there.
    const again = new KisBroker(settings, rest, cache);
    fake.fill("0000012346", "4", "71100");
    expect((await again.poll()).map((r) => [r.kind, r.fill?.quantity, r.fill?.cumulativeQuantity])).toEqual([
      ["FILL", "4", "10"],
    ]);
    expect(await again.poll()).toEqual([]);
    expect(await again.openOrders("kis-test")).toEqual([]);
    expect((await again.queryOrder({ account: "kis-test", symbol: "005930", orderId: "r1" }))?.status).toBe("FILLED");
  });

  it("reports a late fill on the row a 정정 left even when the new row fills the order in the same poll", async () => {
    const { fake, broker } = setup();
    await broker.place(limitBuy("r2"));
    fake.fill("0000012345", "3", "71000");
    expect((await broker.poll()).map((r) => r.fill?.cumulativeQuantity)).toEqual(["3"]);
    fake.fill("0000012345", "1", "71000");
    await broker.amend({ orderId: "r2", account: "kis-test", symbol: "005930", quantity: "10", price: "71100" });
    // The remainder (6) fills on the new row before the next poll: that row ends the order, and KIS
    // lists it first; the earlier row's late fill must still be reported, and before it.
    fake.fill("0000012346", "6", "71100");
    expect(
      (await broker.poll()).map((r) => [r.kind, r.fill?.fillId, r.fill?.quantity, r.fill?.cumulativeQuantity]),
    ).toEqual([
      ["FILL", "0000012345-4", "1", "4"],
      ["FILL", "0000012346-6", "6", "10"],
    ]);
    expect(await broker.poll()).toEqual([]);
  });

  it("refuses a 정정 of the quantity, and cancels a revised order under its new number", async () => {
    const { fake, broker } = setup();
    await broker.place(limitBuy("r2"));
    const command = { orderId: "r2", account: "kis-test", symbol: "005930", quantity: "10", price: "71100" };
    expect((await broker.amend({ ...command, quantity: "12" })).reason).toContain("a new quantity is a new order");
    await broker.amend(command);
    const ack = await broker.cancel({ orderId: "r2", account: "kis-test", symbol: "005930" });
    expect(ack).toMatchObject({ accepted: true, venueOrderId: "0000012346" });
    expect(fake.requests.filter((r) => r.path.endsWith("/order-rvsecncl")).at(-1)?.body).toMatchObject({
      ORGN_ODNO: "0000012346",
      RVSE_CNCL_DVSN_CD: "02",
    });
    expect((await broker.poll()).map((r) => r.kind)).toEqual(["CANCELED"]);
    expect(await broker.queryOrder({ account: "kis-test", symbol: "005930", orderId: "r2" })).toMatchObject({
      status: "CANCELED",
      filledQuantity: "0",
    });
  });

  it("reports an IOC order's unfilled remainder as EXPIRED", async () => {
    const { fake, broker } = setup();
    await broker.place({ ...limitBuy("i1"), timeInForce: "IOC" });
    fake.fill("0000012345", "3", "71000");
    fake.cancelRemainder("0000012345");
    const reports = await broker.poll();
    expect(reports.map((r) => [r.kind, r.fill?.quantity ?? r.reason])).toEqual([
      ["FILL", "3"],
      ["EXPIRED", "IOC remainder canceled by KRX"],
    ]);
  });

  it("uses V-prefixed tr_ids on the paper server", async () => {
    const { fake, broker } = setup("paper");
    await broker.place(limitBuy("o3"));
    await broker.cancel({ orderId: "o3", account: "kis-test", symbol: "005930" });
    expect(fake.requests.filter((r) => r.path.startsWith("/uapi")).map((r) => r.headers.tr_id)).toEqual([
      "VTTC0012U",
      "VTTC0013U",
    ]);
  });

  it("refuses what KIS cannot take, and answers a repeated place with the first ack", async () => {
    const { fake, broker } = setup();
    expect((await broker.place(limitBuy("o4", "1.5"))).ack.reason).toBe("KRX stocks trade in whole shares");
    expect((await broker.place({ ...limitBuy("o5"), type: "STOP_LIMIT" })).ack.accepted).toBe(false);
    expect((await broker.place({ ...limitBuy("o6"), account: "other" })).ack.accepted).toBe(false);
    const sell = await broker.place({ ...limitBuy("o7"), side: "SELL" });
    expect(sell.ack).toMatchObject({ accepted: false, reason: "kis: APBK0400: 주문 가능한 수량을 초과했습니다." });
    const first = await broker.place(limitBuy("o8"));
    const again = await broker.place(limitBuy("o8"));
    expect(again).toEqual({ ack: first.ack, reports: [] });
    expect(fake.requests.filter((r) => r.path.endsWith("/order-cash"))).toHaveLength(2);
  });

  it("maps market and IOC orders to KIS order divisions", async () => {
    const { fake, broker } = setup();
    await broker.place(
      orderFixture({ id: "m1", account: "kis-test", venue: "kis", type: "MARKET", timeInForce: "DAY" }),
    );
    await broker.place(
      orderFixture({ id: "m2", account: "kis-test", venue: "kis", type: "MARKET", timeInForce: "IOC" }),
    );
    await broker.place({ ...limitBuy("m3"), timeInForce: "FOK" });
    expect(
      fake.requests.filter((r) => r.path.endsWith("/order-cash")).map((r) => [r.body.ORD_DVSN, r.body.ORD_UNPR]),
    ).toEqual([
      ["01", "0"],
      ["13", "0"],
      ["12", "71000"],
    ]);
  });
});

describe("KIS polling", () => {
  it("reads every page of the day's orders and lets any replica sharing the cache report", async () => {
    const fake = new FakeKis({ env: "live", pageSize: 2 }).start();
    const h = kisHarness("live");
    await h.fake.stop();
    fakes.push(fake);
    const settings = { ...h.settings, restUrl: fake.url, appKey: fake.appKey, appSecret: fake.appSecret };
    const http = kisHttp({ settings, limiter: h.limiter, logger: silentLogger });
    const tokens = new KisTokens({ settings, cache: h.cache, bus: h.bus, logger: silentLogger, http });
    const rest = new KisRest({ settings, http, tokens, logger: silentLogger });
    const placing = new KisBroker(settings, rest, h.cache);
    const polling = new KisBroker(settings, rest, h.cache);
    for (let i = 1; i <= 5; i++) await placing.place(limitBuy(`p${i}`, "1"));
    fake.fill("0000012349", "1", "71000");
    const reports = await polling.poll();
    expect(reports.map((r) => [r.orderId, r.kind])).toEqual([["p5", "FILL"]]);
    const pages = fake.requests.filter((r) => r.path.endsWith("/inquire-daily-ccld"));
    expect(pages.map((r) => [r.headers.tr_cont, r.body.CTX_AREA_NK100])).toEqual([
      ["", ""],
      ["N", "2"],
      ["N", "4"],
    ]);
    expect(await placing.poll()).toEqual([]);
  });
});

describe("KIS broker service", () => {
  it("streams and polls on one replica only, so each tick and fill is published once", async () => {
    const h = kisHarness("live");
    fake = h.fake;
    const shared = memoryRuntime(silentLogger);
    const replicas = [1, 2].map(() =>
      createKisService(
        { ...shared, cache: h.cache, rpc: new MemoryRpc() },
        { settings: h.settings, pollMs: 20, symbols: ["005930"] },
      ),
    );
    const reports: ExecutionReport[] = [];
    await shared.bus.subscribe(Topics.executionReport, (event: Envelope) => {
      reports.push(event.payload as ExecutionReport);
    });
    const ticks: Tick[] = [];
    await shared.bus.subscribe(Topics.allTicks, (event: Envelope) => {
      ticks.push(event.payload as Tick);
    });
    for (const replica of replicas) await replica.start();
    try {
      expect(replicas.map((r) => r.isLeader()).sort()).toEqual([false, true]);
      await eventually(() => expect([...h.fake.subscriptions.values()].map((keys) => [...keys])).toEqual([["005930"]]));
      h.fake.pushTrades("005930", [
        tradeRecord({
          symbol: "005930",
          time: "090001",
          price: "71000",
          volume: "1",
          cumulativeVolume: "9",
          side: "1",
          date: "20261127",
        }),
      ]);
      await eventually(() => expect(ticks).toHaveLength(1));
      expect(h.fake.connections).toBe(1);
      await replicas[1]?.broker.place(limitBuy("l1", "2"));
      h.fake.fill("0000012345", "2", "71000");
      await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["FILL"]));
      await Bun.sleep(100);
      expect(reports).toHaveLength(1);
    } finally {
      for (const replica of replicas) await replica.stop();
    }
  });

  it("serves the broker contract over rpc and publishes execution reports", async () => {
    const h = kisHarness("live");
    fake = h.fake;
    const runtime = { ...memoryRuntime(silentLogger), cache: h.cache, rpc: new MemoryRpc() };
    const service = createKisService(runtime, { settings: h.settings, pollMs: 20 });
    const reports: ExecutionReport[] = [];
    await runtime.bus.subscribe(Topics.executionReport, (event: Envelope) => {
      reports.push(event.payload as ExecutionReport);
    });
    await service.start();
    try {
      const ack = await runtime.rpc.request(Subjects.brokerPlace("kis"), { order: limitBuy("s1", "3") });
      expect(ack).toMatchObject({ accepted: true, venueOrderId: "0000012345" });
      h.fake.fill("0000012345", "3", "71000");
      await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED", "FILL"]));
      expect(reports[1]).toMatchObject({
        orderId: "s1",
        venue: "kis",
        fill: { quantity: "3", price: "71000", feeCurrency: "KRW" },
      });
      expect(await runtime.rpc.request(Subjects.brokerPositions("kis"), { account: "kis-test" })).toMatchObject([
        { symbol: "005930", quantity: "3" },
      ]);
      expect(await runtime.rpc.request(Subjects.brokerOpenOrders("kis"), {})).toEqual([]);
      await expect(runtime.rpc.request(Subjects.brokerPlace("kis"), { order: { id: 1 } })).rejects.toBeDefined();
    } finally {
      await service.stop();
    }
  });
});
