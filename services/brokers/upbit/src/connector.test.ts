import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { type BrokerService, RateGate, signJwt } from "@jts/broker-kit";
import { startBrokerUnderTest } from "@jts/broker-kit/testing";
import type { BrokerAck, ExecutionReport, Quote, Tick, VenueOrder } from "@jts/contracts";
import { BrokerReplies, Subjects } from "@jts/contracts";
import { compile, memoryRuntime, type Runtime } from "@jts/kit";
import { eventually, orderFixture, silentLogger } from "@jts/kit/testing";
import { UpbitConnector } from "./connector.ts";
import { upbitLimits } from "./constants.ts";
import { ORDERBOOK_FRAME, TICKER_FRAME, TRADE_FRAME } from "./fixtures/frames.ts";
import { FakeUpbit } from "./testing/fake-upbit.ts";

const ORDER_ID = "0190f0e1-7c2a-7d3e-8f4a-1b2c3d4e5f60";

describe("Upbit connector against the fake venue", () => {
  let fake: FakeUpbit;
  let runtime: Runtime;
  let connector: UpbitConnector;
  let service: BrokerService;
  let reports: ExecutionReport[];
  let ticks: Tick[];
  let quotes: Quote[];

  beforeEach(async () => {
    fake = new FakeUpbit().start();
    runtime = memoryRuntime(silentLogger);
    connector = new UpbitConnector({
      baseUrl: fake.url,
      wsUrl: fake.wsUrl,
      accessKey: fake.accessKey,
      secretKey: fake.secretKey,
      account: "acc-u",
      symbols: ["BTC-KRW"],
      gate: new RateGate(runtime.limiter, { venue: "upbit", limits: upbitLimits(), accountId: "test" }),
      logger: silentLogger,
    });
    ({
      service,
      published: { reports, ticks, quotes },
    } = await startBrokerUnderTest(runtime, connector));
    await connector.waitConnected();
  });

  afterEach(async () => {
    await service.stop();
    await fake.stop();
  });

  const place = (overrides: Parameters<typeof orderFixture>[0] = {}) =>
    runtime.rpc.request<BrokerAck>(Subjects.brokerPlace("upbit"), {
      order: orderFixture({
        id: ORDER_ID,
        account: "acc-u",
        venue: "upbit",
        symbol: "BTC-KRW",
        type: "LIMIT",
        timeInForce: "GTC",
        quantity: "0.001",
        price: "50000000",
        ...overrides,
      }),
    });

  it("loads markets as instruments, converted to BASE-QUOTE", () => {
    expect(service.catalog().find("BTC-KRW")).toMatchObject({ quote: "KRW", minNotional: "5000" });
    expect(service.catalog().find("ETH-BTC")).toBeDefined();
  });

  it("subscribes to ticker, trade and orderbook on the public socket and myOrder on the private one", async () => {
    await eventually(() => expect(fake.subscriptions).toHaveLength(2));
    const types = fake.subscriptions.flatMap((s) =>
      (s as Array<{ type?: string }>).map((part) => part.type).filter(Boolean),
    );
    expect(types.sort()).toEqual(["myOrder", "orderbook", "ticker", "trade"]);
  });

  it("runs an order through accepted, partial fill, fill and reports each on exec.report", async () => {
    const ack = await place();
    expect(compile(BrokerReplies.place).check(ack)).toBe(true);
    expect(ack).toMatchObject({ orderId: ORDER_ID, accepted: true });
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED"]));
    fake.fill(ORDER_ID, "0.0004", "50000000", true);
    fake.fill(ORDER_ID, "0.0006", "49999000");
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED", "FILL", "FILL"]));
    expect(reports[1]).toMatchObject({
      orderId: ORDER_ID,
      account: "acc-u",
      symbol: "BTC-KRW",
      side: "BUY",
      fill: { price: "50000000", quantity: "0.0004", fee: "10", feeCurrency: "KRW", liquidity: "MAKER" },
    });
    // Each fill carries what the order has executed in all (executed_volume), which the OMS needs to
    // tell a late report of a fill its reconciliation booked already from a new fill.
    expect(reports.slice(1).map((r) => [r.fill?.quantity, r.fill?.cumulativeQuantity])).toEqual([
      ["0.0004", "0.0004"],
      ["0.0006", "0.001"],
    ]);
    const venueOrder = await runtime.rpc.request<VenueOrder>(Subjects.brokerQueryOrder("upbit"), {
      account: "acc-u",
      symbol: "BTC-KRW",
      orderId: ORDER_ID,
    });
    expect(venueOrder).toMatchObject({ orderId: ORDER_ID, status: "FILLED", filledQuantity: "0.001" });
  });

  it("cancels a resting order and lists open orders", async () => {
    await place();
    const open = await runtime.rpc.request<VenueOrder[]>(Subjects.brokerOpenOrders("upbit"), {});
    expect(open.map((o) => o.orderId)).toEqual([ORDER_ID]);
    const ack = await runtime.rpc.request<BrokerAck>(Subjects.brokerCancel("upbit"), {
      orderId: ORDER_ID,
      account: "acc-u",
      symbol: "BTC-KRW",
    });
    expect(ack.accepted).toBe(true);
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED", "CANCELED"]));
  });

  it("refuses what the venue or Upbit's order model refuses, with the reason", async () => {
    expect(await place({ quantity: "0.00000001" })).toMatchObject({
      accepted: false,
      reason: "upbit: 최소주문금액 이상으로 주문해주세요",
    });
    expect(await place({ type: "MARKET", price: null })).toMatchObject({ accepted: false });
    expect(
      await runtime.rpc.request(Subjects.brokerCancel("upbit"), {
        orderId: "nope",
        account: "acc-u",
        symbol: "BTC-KRW",
      }),
    ).toMatchObject({ accepted: false, reason: "upbit: 주문을 찾지 못했습니다." });
    expect(
      await runtime.rpc.request(Subjects.brokerQueryOrder("upbit"), {
        account: "acc-u",
        symbol: "BTC-KRW",
        orderId: "nope",
      }),
    ).toBeNull();
  });

  it("sells at market and reports the fill", async () => {
    await place({ side: "SELL", type: "MARKET", price: null, timeInForce: "IOC" });
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED", "FILL"]));
    expect(reports[1]).toMatchObject({ side: "SELL", fill: { price: "50000000", quantity: "0.001" } });
  });

  it("returns balances and positions from accounts", async () => {
    const balances = await runtime.rpc.request(Subjects.brokerBalances("upbit"), { account: "acc-u" });
    expect(balances).toHaveLength(2);
    const positions = await runtime.rpc.request(Subjects.brokerPositions("upbit"), { account: "acc-u" });
    expect(positions).toMatchObject([{ symbol: "BTC-KRW", quantity: "0.6", averagePrice: "48000000" }]);
    expect(compile(BrokerReplies.positions).check(positions)).toBe(true);
  });

  it("reads Remaining-Req back per group", async () => {
    await runtime.rpc.request(Subjects.brokerBalances("upbit"), { account: "acc-u" });
    expect(connector.rest.remaining.get("default")).toBe(29);
    expect(connector.rest.remaining.get("market")).toBe(9);
  });

  it("publishes binary trade and orderbook frames as ticks and quotes, keeps the ticker", async () => {
    fake.pushPublic(TRADE_FRAME);
    fake.pushPublic(ORDERBOOK_FRAME);
    fake.pushPublic(TICKER_FRAME);
    await eventually(() => expect(ticks).toHaveLength(1));
    await eventually(() => expect(quotes).toHaveLength(1));
    await eventually(() => expect(connector.tickers.get("BTC-KRW")?.lastPrice).toBe("32287000"));
    expect(ticks[0]).toMatchObject({ symbol: "BTC-KRW", price: "31287000" });
  });

  it("resubscribes after a dropped socket and streams again", async () => {
    await eventually(() => expect(fake.subscriptions).toHaveLength(2));
    fake.venue.dropSockets();
    await eventually(() => expect(fake.subscriptions).toHaveLength(4), 5_000);
    fake.pushPublic(TRADE_FRAME);
    await eventually(() => expect(ticks).toHaveLength(1));
  });

  it("backs off on 429 and then places the order", async () => {
    fake.venue.misbehave({ kind: "429", retryAfterS: 0.3 });
    const started = performance.now();
    expect((await place()).accepted).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
  });

  it("stops every call for the 418 block time and does not retry the order", async () => {
    fake.venue.misbehave({ kind: "418", retryAfterS: 0.5 });
    // Not acknowledged: UNKNOWN (the OMS looks it up once the ban is over), never a refusal.
    expect(await place()).toMatchObject({ accepted: false, outcome: "UNKNOWN" });
    expect(fake.orders.size).toBe(0);
    const before = fake.venue.counts.http;
    const started = performance.now();
    await runtime.rpc.request(Subjects.brokerBalances("upbit"), { account: "acc-u" }, { timeoutMs: 5_000 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
    expect(fake.venue.counts.http).toBe(before + 1);
  });

  it("is refused with a token signed by another secret, or a replayed nonce", async () => {
    const forged = signJwt({ access_key: fake.accessKey, nonce: crypto.randomUUID() }, "wrong-secret", "HS512");
    const response = await fetch(`${fake.url}/v1/accounts`, { headers: { Authorization: `Bearer ${forged}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { name: "jwt_verification" } });
    const token = signJwt({ access_key: fake.accessKey, nonce: "same" }, fake.secretKey, "HS512");
    expect((await fetch(`${fake.url}/v1/accounts`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    expect((await fetch(`${fake.url}/v1/accounts`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(
      401,
    );
  });
});
