import { RateGate } from "@jts/broker-kit";
import { startBrokerUnderTest } from "@jts/broker-kit/testing";
import { unknownOutcomeTests } from "@jts/broker-kit/unknown-outcome-test";
import { memoryRuntime } from "@jts/kit";
import { orderFixture, silentLogger } from "@jts/kit/testing";
import { BinanceConnector } from "./connector.ts";
import { binanceLimits } from "./constants.ts";
import { FakeBinance } from "./testing/fake-binance.ts";

unknownOutcomeTests("Binance", async () => {
  const fake = new FakeBinance().start();
  const runtime = memoryRuntime(silentLogger);
  const gate = new RateGate(runtime.limiter, { venue: "binance", limits: binanceLimits(), accountId: "test" });
  const connector = new BinanceConnector({
    baseUrl: fake.url,
    wsUrl: fake.wsUrl,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    account: "acc-1",
    symbols: ["BTC-USDT"],
    gate,
    logger: silentLogger,
  });
  const { service, published } = await startBrokerUnderTest(runtime, connector);
  await connector.waitConnected();
  return {
    rpc: runtime.rpc,
    broker: "binance",
    misbehavePlace: (misbehaviour) => fake.venue.misbehaveOn("POST", "/api/v3/order", misbehaviour),
    refusal: { status: 400, body: { code: -2010, msg: "Account has insufficient balance for requested action." } },
    reports: published.reports,
    order: () => {
      const id = crypto.randomUUID();
      return orderFixture({
        id,
        clientOrderId: id,
        account: "acc-1",
        venue: "binance",
        symbol: "BTC-USDT",
        type: "LIMIT",
        timeInForce: "GTC",
        quantity: "0.01",
        price: "49000",
      });
    },
    // Binance knows the order by the client order id the connector sent: our order id.
    fillAtVenue: (order) => fake.fill(order.id, "0.01000000", "49000.00000000"),
    async stop() {
      await service.stop();
      await fake.stop();
    },
  };
});
