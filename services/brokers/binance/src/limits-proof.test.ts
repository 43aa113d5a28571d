import { expect, it } from "bun:test";
import { formatProof, proveVenueLimits } from "@jts/broker-kit/testing";
import { serverUrl } from "@jts/kit/testing";
import { binanceProof } from "./limits-proof.ts";

const url = serverUrl("REDIS_URL");

if (url)
  it("three replicas over one Redis stay within Binance's weight and order limits while using >= 90 % of them", async () => {
    const result = await proveVenueLimits(binanceProof, {
      durationMs: 3_000,
      redisUrl: url,
      prefix: `test:binance-proof:${Date.now()}:`,
    });
    console.log(formatProof("Binance limits (short)", result));
    for (const reading of result.readings) {
      expect(reading.peak).toBeLessThanOrEqual(reading.limit);
      expect(reading.use).toBeGreaterThanOrEqual(0.9);
    }
    expect(result.refusedByVenue).toBe(0);
    expect(result.ok).toBe(true);
  }, 20_000);
else it.skip("Binance limits proof (REDIS_URL not set)", () => {});
