import { afterEach, describe, expect, it } from "bun:test";
import { credentialTag } from "@jts/broker-kit";
import type { BrokerAck } from "@jts/contracts";
import { Subjects } from "@jts/contracts";
import { ConfigError, memoryRuntime } from "@jts/kit";
import { orderFixture, silentLogger } from "@jts/kit/testing";
import { loadBinanceConfig } from "./config.ts";
import { createBinanceService } from "./service.ts";
import { FakeBinance } from "./testing/fake-binance.ts";

describe("Binance service wiring", () => {
  let fake: FakeBinance | undefined;
  afterEach(() => fake?.stop());

  it("reads credentials and URLs from the environment only and serves the broker contract", async () => {
    fake = new FakeBinance().start();
    const config = loadBinanceConfig({
      BINANCE_API_KEY: fake.apiKey,
      BINANCE_API_SECRET: fake.apiSecret,
      BINANCE_BASE_URL: fake.url,
      BINANCE_WS_URL: fake.wsUrl,
      BINANCE_SYMBOLS: "BTC-USDT, ETH-USDT",
    });
    expect(config.symbols).toEqual(["BTC-USDT", "ETH-USDT"]);
    const runtime = memoryRuntime(silentLogger);
    const { service, gate } = createBinanceService(runtime, config);
    // The account scope of the limits is a hash of the key, never the key.
    expect(gate.keyOf("orders")).toBe(`venue:binance:acct:${credentialTag(fake.apiKey)}:orders`);
    expect(gate.keyOf("orders")).not.toContain(fake.apiKey);
    await service.start();
    try {
      const ack = await runtime.rpc.request<BrokerAck>(Subjects.brokerPlace("binance"), {
        order: orderFixture({
          id: "0190f0e1-7c2a-7d3e-8f4a-1b2c3d4e5f61",
          account: "binance",
          venue: "binance",
          symbol: "BTC-USDT",
          type: "MARKET",
          quantity: "0.001",
        }),
      });
      expect(ack.accepted).toBe(true);
      const health = await service.app.handle(new Request("http://localhost/ready"));
      expect(health.status).toBe(200);
    } finally {
      await service.stop();
    }
  });

  it("refuses a malformed setting with the variable's name", () => {
    expect(() => loadBinanceConfig({ BINANCE_RECV_WINDOW: "soon" })).toThrow(ConfigError);
  });
});
