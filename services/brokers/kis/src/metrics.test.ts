import { afterEach, describe, expect, it } from "bun:test";
import { metricValue, scrapeMetrics } from "@jts/broker-kit/testing";
import { Subjects } from "@jts/contracts";
import { MemoryRpc, memoryRuntime } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { createKisService } from "./service.ts";
import type { FakeKis } from "./testing/fake-kis.ts";
import { kisHarness } from "./testing/harness.ts";

describe("KIS metrics at /metrics", () => {
  let fake: FakeKis | undefined;
  afterEach(() => fake?.stop());

  it("reads KIS's clock off its answers' Date headers and counts the pauses KIS and the budget impose", async () => {
    const h = kisHarness("live");
    fake = h.fake;
    fake.venue.clockSkewMs = 750;
    const runtime = { ...memoryRuntime(silentLogger), cache: h.cache, rpc: new MemoryRpc() };
    const service = createKisService(runtime, { settings: h.settings, pollMs: 60_000 });
    await service.start();
    try {
      // Whole-second Date headers: answers spread over more than a second pin the offset down.
      for (let i = 0; i < 30; i++) {
        await runtime.rpc.request(Subjects.brokerBalances("kis"), { account: "kis-test" });
        await Bun.sleep(41);
      }
      const offset = metricValue(await scrapeMetrics(service.app), 'jts_venue_clock_offset_seconds{venue="kis"}');
      expect(Math.abs((offset ?? 0) - 0.75)).toBeLessThan(0.25);

      // EGW00201 (KIS's "too many", HTTP 500) pauses like a 429; 30 calls at once empty the 20/s budget.
      fake.failNext(1, "EGW00201");
      await Promise.all(
        Array.from({ length: 30 }, () => runtime.rpc.request(Subjects.brokerBalances("kis"), { account: "kis-test" })),
      );
      const text = await scrapeMetrics(service.app);
      expect(metricValue(text, 'jts_rate_limit_pauses_total{venue="kis",bucket="429"}')).toBe(1);
      expect(metricValue(text, 'jts_rate_limit_pauses_total{venue="kis",bucket="rest"}')).toBeGreaterThan(0);
    } finally {
      await service.stop();
    }
  });
});
