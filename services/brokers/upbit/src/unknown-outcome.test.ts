import { RateGate } from "@jts/broker-kit";
import { startBrokerUnderTest } from "@jts/broker-kit/testing";
import { unknownOutcomeTests } from "@jts/broker-kit/unknown-outcome-test";
import { memoryRuntime } from "@jts/kit";
import { orderFixture, silentLogger } from "@jts/kit/testing";
import { UpbitConnector } from "./connector.ts";
import { upbitLimits } from "./constants.ts";
import { FakeUpbit } from "./testing/fake-upbit.ts";

unknownOutcomeTests("Upbit", async () => {
  const fake = new FakeUpbit().start();
  const runtime = memoryRuntime(silentLogger);
  const connector = new UpbitConnector({
    baseUrl: fake.url,
    wsUrl: fake.wsUrl,
    accessKey: fake.accessKey,
    secretKey: fake.secretKey,
    account: "acc-u",
    symbols: ["BTC-KRW"],
    gate: new RateGate(runtime.limiter, { venue: "upbit", limits: upbitLimits(), accountId: "test" }),
    logger: silentLogger,
  });
  const { service, published } = await startBrokerUnderTest(runtime, connector);
  await connector.waitConnected();
  return {
    rpc: runtime.rpc,
    broker: "upbit",
    misbehavePlace: (misbehaviour) => fake.venue.misbehaveOn("POST", "/v1/orders", misbehaviour),
    refusal: {
      status: 400,
      body: { error: { name: "insufficient_funds_bid", message: "주문가능한 금액이 부족합니다." } },
    },
    reports: published.reports,
    order: () => {
      const id = crypto.randomUUID();
      return orderFixture({
        id,
        clientOrderId: id,
        account: "acc-u",
        venue: "upbit",
        symbol: "BTC-KRW",
        type: "LIMIT",
        timeInForce: "GTC",
        quantity: "0.001",
        price: "50000000",
      });
    },
    // Upbit knows the order by its identifier, which the connector sets to our order id.
    fillAtVenue: (order) => fake.fill(order.id, "0.001", "50000000"),
    async stop() {
      await service.stop();
      await fake.stop();
    },
  };
});
