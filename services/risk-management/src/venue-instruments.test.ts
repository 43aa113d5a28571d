import { describe, expect, it } from "bun:test";
import { EventTypes, type Instrument, type RiskDecision, Subjects, Topics } from "@jts/contracts";
import { envelope, memoryRuntime } from "@jts/kit";
import { eventually, orderFixture, silentLogger } from "@jts/kit/testing";
import { createRiskService } from "./service.ts";
import { servePortfolio } from "./testing.ts";

const XRP: Instrument = {
  symbol: "XRP-USDT",
  venue: "binance",
  kind: "CRYPTO",
  base: "XRP",
  quote: "USDT",
  tickSize: "0.0001",
  lotSize: "0.1",
  minQuantity: "0.1",
  maxQuantity: "900000",
  minNotional: "5",
  makerFee: "0.001",
  takerFee: "0.001",
};

describe("risk checks against a venue's own instruments", () => {
  it("refuses an unknown symbol until its connector announces it, then checks the venue's tick and lot", async () => {
    const runtime = memoryRuntime(silentLogger);
    await servePortfolio(runtime);
    const service = createRiskService(runtime);
    await service.start();
    const check = (price: string, quantity: string) =>
      runtime.rpc.request(Subjects.riskCheck, {
        order: orderFixture({ venue: "binance", symbol: "XRP-USDT", type: "LIMIT", price, quantity }),
      }) as Promise<RiskDecision>;

    expect((await check("0.5123", "10")).rule).toBe("UNKNOWN_INSTRUMENT");
    // What a broker connector publishes from the venue's exchange info (services/brokers/kit).
    await runtime.bus.publish(
      Topics.instruments("binance"),
      envelope(EventTypes.instruments, "broker-binance", "binance", { venue: "binance", instruments: [XRP] }),
    );
    await eventually(async () => expect((await check("0.5123", "10")).approved).toBe(true));
    expect((await check("0.51235", "10")).rule).toBe("PRICE_PRECISION");
    expect((await check("0.5123", "10.05")).rule).toBe("QUANTITY_PRECISION");
    expect((await check("0.5123", "1")).rule).toBe("MIN_NOTIONAL");
    await service.stop();
  });
});
