import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { type BrokerService, createBrokerService, RateGate, ServerClock } from "@jts/broker-kit";
import { startBrokerUnderTest } from "@jts/broker-kit/testing";
import type { BrokerAck, ExecutionReport, Tick, VenueOrder } from "@jts/contracts";
import { BrokerReplies, Subjects } from "@jts/contracts";
import { compile, memoryRuntime, type Runtime } from "@jts/kit";
import { eventually, orderFixture, silentLogger } from "@jts/kit/testing";
import { BinanceConnector } from "./connector.ts";
import { binanceLimits } from "./constants.ts";
import { BinanceRest } from "./rest.ts";
import { FakeBinance } from "./testing/fake-binance.ts";

const ORDER_ID = "0190f0e1-7c2a-7d3e-8f4a-1b2c3d4e5f60";

describe("Binance connector against the fake venue", () => {
  let fake: FakeBinance;
  let runtime: Runtime;
  let connector: BinanceConnector;
  let service: BrokerService;
  let gate: RateGate;
  let reports: ExecutionReport[];
  let ticks: Tick[];

  beforeEach(async () => {
    // The fake's clock runs 8 s ahead: signed calls only pass with the measured offset.
    fake = new FakeBinance({ clockSkewMs: 8_000 }).start();
    runtime = memoryRuntime(silentLogger);
    gate = new RateGate(runtime.limiter, { venue: "binance", limits: binanceLimits(), accountId: "test" });
    connector = new BinanceConnector({
      baseUrl: fake.url,
      wsUrl: fake.wsUrl,
      apiKey: fake.apiKey,
      apiSecret: fake.apiSecret,
      account: "acc-1",
      symbols: ["BTC-USDT"],
      gate,
      logger: silentLogger,
    });
    ({
      service,
      published: { reports, ticks },
    } = await startBrokerUnderTest(runtime, connector));
    await connector.waitConnected();
  });

  afterEach(async () => {
    await service.stop();
    await fake.stop();
  });

  const place = (overrides: Parameters<typeof orderFixture>[0] = {}) =>
    runtime.rpc.request<BrokerAck>(Subjects.brokerPlace("binance"), {
      order: orderFixture({
        id: ORDER_ID,
        account: "acc-1",
        venue: "binance",
        symbol: "BTC-USDT",
        type: "LIMIT",
        timeInForce: "GTC",
        quantity: "0.01",
        price: "49000",
        ...overrides,
      }),
    });

  it("loads instruments from exchangeInfo into the catalog", () => {
    expect(service.catalog().find("BTC-USDT")).toMatchObject({
      tickSize: "0.01",
      lotSize: "0.00001",
      minNotional: "5",
    });
    expect(service.catalog().find("BNB-BTC")).toBeDefined();
  });

  it("measured the venue clock offset and signs with venue time", () => {
    expect(connector.clock.offsetMs).toBeGreaterThan(7_900);
    expect(connector.clock.offsetMs).toBeLessThan(8_100);
  });

  it("is refused by the venue when signing with the local clock", async () => {
    const unsynced = new BinanceRest({
      baseUrl: fake.url,
      apiKey: fake.apiKey,
      apiSecret: fake.apiSecret,
      gate,
      clock: { now: () => Date.now() },
    });
    await expect(unsynced.account()).rejects.toMatchObject({ kind: "rejected", details: { status: 401 } });
  });

  it("is refused with a wrong secret: the venue checks the signature", async () => {
    const forged = new BinanceRest({
      baseUrl: fake.url,
      apiKey: fake.apiKey,
      apiSecret: "wrong",
      gate,
      clock: connector.clock,
    });
    await expect(forged.account()).rejects.toMatchObject({ kind: "rejected" });
    expect(fake.venue.counts.refusedAuth).toBe(1);
  });

  it("runs an order through accepted, partial fill, fill and reports each on exec.report", async () => {
    const ack = await place();
    expect(compile(BrokerReplies.place).check(ack)).toBe(true);
    expect(ack).toMatchObject({ orderId: ORDER_ID, accepted: true, reason: null });
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED"]));
    fake.fill(ORDER_ID, "0.004", "49000.00000000", true);
    fake.fill(ORDER_ID, "0.006", "48999.50000000");
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED", "FILL", "FILL"]));
    expect(reports[1]).toMatchObject({
      orderId: ORDER_ID,
      account: "acc-1",
      symbol: "BTC-USDT",
      fill: { price: "49000", quantity: "0.004", feeCurrency: "USDT", liquidity: "MAKER" },
    });
    const venueOrder = await runtime.rpc.request<VenueOrder>(Subjects.brokerQueryOrder("binance"), {
      account: "acc-1",
      symbol: "BTC-USDT",
      orderId: ORDER_ID,
    });
    expect(venueOrder).toMatchObject({ orderId: ORDER_ID, status: "FILLED", filledQuantity: "0.01" });
    expect(compile(BrokerReplies.queryOrder).check(venueOrder)).toBe(true);
  });

  it("cancels a resting order, saying what it had filled, and lists only open orders", async () => {
    await place();
    const open = await runtime.rpc.request<VenueOrder[]>(Subjects.brokerOpenOrders("binance"), {});
    expect(open.map((o) => o.orderId)).toEqual([ORDER_ID]);
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED"]));
    fake.fill(ORDER_ID, "0.004", "49000");
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED", "FILL"]));
    const ack = await runtime.rpc.request<BrokerAck>(Subjects.brokerCancel("binance"), {
      orderId: ORDER_ID,
      account: "acc-1",
      symbol: "BTC-USDT",
    });
    expect(ack).toMatchObject({ accepted: true, filledQuantity: "0.004" });
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED", "FILL", "CANCELED"]));
    expect(reports[2]?.orderId).toBe(ORDER_ID);
    expect(await runtime.rpc.request(Subjects.brokerOpenOrders("binance"), {})).toEqual([]);
  });

  it("fills a market order at once", async () => {
    await place({ type: "MARKET", price: null, timeInForce: "IOC" });
    await eventually(() => expect(reports.map((r) => r.kind)).toEqual(["ACCEPTED", "FILL"]));
    expect(reports[1]?.fill).toMatchObject({ price: "50000", quantity: "0.01", liquidity: "TAKER" });
  });

  it("answers a venue refusal with accepted: false and the venue's reason", async () => {
    const ack = await place({ quantity: "0.000001" });
    expect(ack).toMatchObject({ accepted: false, reason: "binance: Filter failure: LOT_SIZE" });
    const cancel = await runtime.rpc.request<BrokerAck>(Subjects.brokerCancel("binance"), {
      orderId: "nope",
      account: "acc-1",
      symbol: "BTC-USDT",
    });
    expect(cancel).toMatchObject({ accepted: false, reason: "binance: Unknown order sent." });
    expect(await place({ timeInForce: "DAY" })).toMatchObject({ accepted: false });
  });

  it("answers query-order with null for an order the venue does not know", async () => {
    const reply = await runtime.rpc.request(Subjects.brokerQueryOrder("binance"), {
      account: "acc-1",
      symbol: "BTC-USDT",
      orderId: "unknown-id",
    });
    expect(reply).toBeNull();
  });

  it("returns balances the contracts can carry", async () => {
    const balances = await runtime.rpc.request(Subjects.brokerBalances("binance"), { account: "acc-1" });
    expect(balances).toEqual([
      { account: "acc-1", currency: "USDT", total: "10000", free: "10000", locked: "0" },
      { account: "acc-1", currency: "BTC", total: "0.5", free: "0.5", locked: "0" },
    ]);
    expect(await runtime.rpc.request(Subjects.brokerPositions("binance"), { account: "acc-1" })).toEqual([]);
  });

  it("publishes trades as ticks and keeps doing so after the socket drops", async () => {
    fake.pushTrade("BTCUSDT", "50001.10000000", "0.00200000");
    await eventually(() => expect(ticks).toHaveLength(1));
    expect(ticks[0]).toMatchObject({
      symbol: "BTC-USDT",
      venue: "binance",
      price: "50001.1",
      quantity: "0.002",
      aggressor: "BUY",
    });
    fake.venue.dropSockets();
    await eventually(() => expect(fake.venue.sockets.size).toBe(2), 5_000);
    await connector.waitConnected();
    fake.pushTrade("BTCUSDT", "50002.00000000", "0.00100000", true);
    await eventually(() => expect(ticks.map((t) => t.price)).toEqual(["50001.1", "50002"]));
  });

  it("survives a malformed market frame", async () => {
    fake.pushFrame("{not json");
    fake.pushTrade("BTCUSDT", "50003.00000000", "0.00100000");
    await eventually(() => expect(ticks.map((t) => t.price)).toEqual(["50003"]));
  });

  it("backs off on 429 for Retry-After and then places the order", async () => {
    fake.venue.misbehave({ kind: "429", retryAfterS: 0.5 });
    const started = performance.now();
    const ack = await place();
    expect(ack.accepted).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(480);
    expect(connector.rest.http.stats.rateLimited).toBe(1);
  });

  it("stops calling the venue for the whole 418 ban and reports the order as not placed", async () => {
    fake.venue.misbehave({ kind: "418", retryAfterS: 0.6 });
    // Not acknowledged: UNKNOWN (the OMS looks it up once the ban is over), never a refusal.
    expect(await place()).toMatchObject({ accepted: false, outcome: "UNKNOWN" });
    const before = fake.venue.counts.http;
    const started = performance.now();
    await runtime.rpc.request(Subjects.brokerBalances("binance"), { account: "acc-1" }, { timeoutMs: 5_000 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    expect(fake.venue.counts.http).toBe(before + 1);
  });

  it("reads the venue's used weight back from every answer", async () => {
    await runtime.rpc.request(Subjects.brokerBalances("binance"), { account: "acc-1" });
    // exchangeInfo 20 + time 1 + listenKey 2 + account 20.
    expect(connector.lastUsedWeight).toBe(43);
    await place();
    expect(connector.lastOrderCount10s).toBe(1);
  });
});

describe("ServerClock refresh", () => {
  it("follows the venue clock when it moves", async () => {
    let skew = 1_000;
    const clock = new ServerClock(async () => Date.now() + skew);
    await clock.sync();
    skew = 3_000;
    await clock.sync();
    expect(clock.offsetMs).toBeGreaterThanOrEqual(2_990);
  });
});

describe("Binance broker with the venue down at start", () => {
  it("starts with an empty catalog, keeps asking, and still parses the streamed symbols", async () => {
    const runtime = memoryRuntime(silentLogger);
    const gate = new RateGate(runtime.limiter, { venue: "binance", limits: binanceLimits() });
    const connector = new BinanceConnector({
      baseUrl: "http://127.0.0.1:9",
      wsUrl: "ws://127.0.0.1:9",
      account: "acc-1",
      symbols: ["BTC-USDT"],
      gate,
      logger: silentLogger,
    });
    const service = createBrokerService(runtime, connector);
    await service.start();
    expect(service.catalog().all).toEqual([]);
    expect(connector.symbols.fromVenue("BTCUSDT")).toBe("BTC-USDT");
    await service.stop();
  });
});
