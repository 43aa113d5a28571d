import { afterEach, describe, expect, it } from "bun:test";
import { metricValue, scrapeMetrics } from "@jts/broker-kit/testing";
import { Subjects } from "@jts/contracts";
import { memoryRuntime } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { loadUpbitConfig } from "./config.ts";
import { createUpbitService } from "./service.ts";
import { FakeUpbit } from "./testing/fake-upbit.ts";

describe("Upbit metrics at /metrics", () => {
  let fake: FakeUpbit | undefined;
  afterEach(() => fake?.stop());

  it("reads Upbit's clock off its answers' Date headers and counts the gate's waits", async () => {
    fake = new FakeUpbit().start();
    fake.venue.clockSkewMs = 750;
    const config = loadUpbitConfig({
      UPBIT_ACCESS_KEY: fake.accessKey,
      UPBIT_SECRET_KEY: fake.secretKey,
      UPBIT_BASE_URL: fake.url,
      UPBIT_WS_URL: fake.wsUrl,
      UPBIT_SYMBOLS: "",
      UPBIT_ORDER_RATE: "8",
    });
    const runtime = memoryRuntime(silentLogger);
    const { service } = createUpbitService(runtime, config);
    await service.start();
    try {
      // Whole-second Date headers: answers spread over more than a second pin the offset down.
      for (let i = 0; i < 30; i++) {
        await runtime.rpc.request(Subjects.brokerBalances("upbit"), { account: "upbit" });
        await Bun.sleep(41);
      }
      const offset = metricValue(await scrapeMetrics(service.app), 'jts_venue_clock_offset_seconds{venue="upbit"}');
      expect(Math.abs((offset ?? 0) - 0.75)).toBeLessThan(0.25);

      // 40 account calls at once: the `default` group (30/s) runs dry and the gate holds the rest.
      await Promise.all(
        Array.from({ length: 40 }, () => runtime.rpc.request(Subjects.brokerBalances("upbit"), { account: "upbit" })),
      );
      const waits = metricValue(
        await scrapeMetrics(service.app),
        'jts_rate_limit_pauses_total{venue="upbit",bucket="default"}',
      );
      expect(waits).toBeGreaterThan(0);
    } finally {
      await service.stop();
    }
  });
});
