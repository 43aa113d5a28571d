import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { RateGate } from "@jts/broker-kit";
import { MemoryRateLimiter } from "@jts/kit";
import { upbitCandleSource } from "./candles.ts";
import { upbitLimits } from "./constants.ts";
import { UpbitRest } from "./rest.ts";
import { FakeUpbit } from "./testing/fake-upbit.ts";

const FROM = Date.parse("2026-11-01T00:00:00Z");

describe("Upbit candles for backfill", () => {
  let fake: FakeUpbit;
  beforeAll(() => {
    fake = new FakeUpbit().start();
  });
  afterAll(() => fake.stop());

  it("turns Upbit's newest-first pages into [from, to) oldest first", async () => {
    const gate = new RateGate(new MemoryRateLimiter(), { venue: "upbit", limits: upbitLimits() });
    const source = upbitCandleSource(new UpbitRest({ baseUrl: fake.url, gate }), "BTC-KRW", "1m");
    const candles = await source.fetch(FROM, FROM + 3 * 60_000);
    expect(candles.map((c) => c.tsOpen)).toEqual([0, 1, 2].map((i) => `${FROM + i * 60_000}000000`));
    expect(candles[0]).toMatchObject({ symbol: "BTC-KRW", venue: "upbit", volume: "2", closed: true });
    const request = fake.venue.requests.at(-1);
    expect(request?.query.get("market")).toBe("KRW-BTC");
    expect(request?.query.get("to")).toBe("2026-11-01T00:03:00Z");
  });
});
