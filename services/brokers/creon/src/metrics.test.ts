import { afterEach, describe, expect, it } from "bun:test";
import { metricValue, scrapeMetrics } from "@jts/broker-kit/testing";
import { Subjects } from "@jts/contracts";
import { MemoryRpc, memoryRuntime } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { createCreonService } from "./service.ts";
import type { FakeCreonBridge } from "./testing/fake-creon.ts";
import { creonHarness } from "./testing/harness.ts";

describe("Creon metrics at /metrics", () => {
  let fake: FakeCreonBridge | undefined;
  afterEach(() => fake?.stop());

  it("exports the offset to the bridge host's clock from /v1/health, and Creon's spent limits as pauses", async () => {
    // The fake's trade window is tighter than Creon's, so the bridge answers ORDER_LIMIT before the gate holds back.
    const h = creonHarness({ clockSkewMs: 750, tradeLimit: { limit: 2, windowMs: 300 } });
    fake = h.fake;
    const runtime = { ...memoryRuntime(silentLogger), cache: h.cache, rpc: new MemoryRpc() };
    const service = createCreonService(runtime, { settings: h.settings });
    await service.start();
    try {
      const offset = metricValue(await scrapeMetrics(service.app), 'jts_venue_clock_offset_seconds{venue="creon"}');
      expect(Math.abs((offset ?? 0) - 0.75)).toBeLessThan(0.25);
      expect(fake.requests.some((r) => r.path === "/v1/health")).toBe(true);

      for (let i = 0; i < 3; i++)
        await runtime.rpc.request(Subjects.brokerBalances("creon"), { account: "creon-test" });
      expect(fake.counts.limited).toBeGreaterThan(0);
      const pauses = metricValue(
        await scrapeMetrics(service.app),
        'jts_rate_limit_pauses_total{venue="creon",bucket="429"}',
      );
      expect(pauses).toBe(fake.counts.limited);
    } finally {
      await service.stop();
    }
  });
});
