import { afterEach, describe, expect, it } from "bun:test";
import { metricValue, scrapeMetrics } from "@jts/broker-kit/testing";
import { Subjects } from "@jts/contracts";
import { memoryRuntime } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { loadBinanceConfig } from "./config.ts";
import { createBinanceService } from "./service.ts";
import { FakeBinance } from "./testing/fake-binance.ts";

describe("Binance metrics at /metrics", () => {
  let fake: FakeBinance | undefined;
  afterEach(() => fake?.stop());

  it("exports the offset to Binance's clock and every rate-limit pause", async () => {
    fake = new FakeBinance({ clockSkewMs: 750 }).start();
    const config = loadBinanceConfig({
      BINANCE_API_KEY: fake.apiKey,
      BINANCE_API_SECRET: fake.apiSecret,
      BINANCE_BASE_URL: fake.url,
      BINANCE_WS_URL: fake.wsUrl,
      BINANCE_SYMBOLS: "",
    });
    const runtime = memoryRuntime(silentLogger);
    const { service } = createBinanceService(runtime, config);
    await service.start();
    try {
      // Measured from GET /api/v3/time at start: the round trip's midpoint against the venue's time.
      const offset = metricValue(await scrapeMetrics(service.app), 'jts_venue_clock_offset_seconds{venue="binance"}');
      expect(Math.abs((offset ?? 0) - 0.75)).toBeLessThan(0.25);

      fake.venue.misbehave({ kind: "429" });
      await runtime.rpc.request(Subjects.brokerBalances("binance"), { account: "binance" });
      const text = await scrapeMetrics(service.app);
      expect(metricValue(text, 'jts_rate_limit_pauses_total{venue="binance",bucket="429"}')).toBe(1);
    } finally {
      await service.stop();
    }
  });
});
