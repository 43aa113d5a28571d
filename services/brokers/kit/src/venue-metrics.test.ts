import { afterEach, describe, expect, it } from "bun:test";
import { MemoryRateLimiter, MetricsRegistry } from "@jts/kit";
import { HttpDateClock, ServerClock } from "./clock.ts";
import { VenueHttpClient } from "./http-client.ts";
import { perWindow, RateGate } from "./rate-gate.ts";
import { FakeVenue } from "./testing/fake-venue.ts";
import { metricValue } from "./testing/metrics.ts";
import { VenueMetrics } from "./venue-metrics.ts";

const httpDate = (ms: number) => new Date(ms).toUTCString();

describe("HttpDateClock", () => {
  it("narrows whole-second Date headers down to the offset: a venue 750 ms ahead reads ~750 ms", () => {
    const clock = new HttpDateClock({ localNow: () => 1_000_000 });
    // Answers at 37 sub-second phases, each a 4 ms round trip; the venue stamps its own time, truncated to the second.
    for (let i = 0; i < 37; i++) {
      const sent = 1_000_000 + i * 37;
      const stamped = sent + 2 + 750;
      clock.observe(httpDate(stamped), sent, sent + 4);
    }
    expect(Math.abs((clock.offsetMs ?? 0) - 750)).toBeLessThanOrEqual(20);
    expect(clock.uncertaintyMs).toBeLessThanOrEqual(40);
  });

  it("follows a clock that stepped instead of holding windows that no longer meet", () => {
    let now = 0;
    const clock = new HttpDateClock({ localNow: () => now });
    for (let i = 0; i < 20; i++) {
      now = 10_000 + i * 53;
      clock.observe(httpDate(now + 1 + 300), now, now + 2);
    }
    expect(Math.abs((clock.offsetMs ?? 0) - 300)).toBeLessThanOrEqual(60);
    for (let i = 0; i < 20; i++) {
      now = 20_000 + i * 53;
      clock.observe(httpDate(now + 1 - 2_000), now, now + 2);
    }
    expect(Math.abs((clock.offsetMs ?? 0) + 2_000)).toBeLessThanOrEqual(60);
  });

  it("ignores answers without a readable Date header", () => {
    const clock = new HttpDateClock();
    clock.observe(null, 0, 1);
    clock.observe("yesterday-ish", 0, 1);
    expect(clock.offsetMs).toBeNull();
  });
});

describe("venue metrics", () => {
  let venue: FakeVenue | undefined;
  afterEach(() => venue?.stop());

  it("exports the measured offset of both clocks in seconds, per venue, on one registry", async () => {
    const registry = new MetricsRegistry();
    const binance = new VenueMetrics("binance", registry);
    const creon = new VenueMetrics("creon", registry);
    const clock = new ServerClock(async () => Date.now() + 750, { metrics: binance });
    await clock.sync();
    const dates = new HttpDateClock({ metrics: creon });
    dates.observe(httpDate(Date.now() - 3_000), Date.now(), Date.now());
    const text = registry.render();
    expect(text.match(/# TYPE jts_venue_clock_offset_seconds gauge/g)).toHaveLength(1);
    expect(metricValue(text, 'jts_venue_clock_offset_seconds{venue="binance"}')).toBeCloseTo(0.75, 1);
    expect(metricValue(text, 'jts_venue_clock_offset_seconds{venue="creon"}')).toBeLessThan(-2);
  });

  it("counts a wait for an empty bucket once per call and group, and each pause the venue orders by its status", async () => {
    const metrics = new VenueMetrics("v");
    const gate = new RateGate(new MemoryRateLimiter(), {
      venue: "v",
      limits: { orders: { scope: "account", buckets: [perWindow("1s", 1, 200, 0)] } },
      metrics,
    });
    await gate.acquire([{ group: "orders" }]);
    const pauses = () => metrics.registry.render();
    expect(metricValue(pauses(), 'jts_rate_limit_pauses_total{venue="v",bucket="orders"}')).toBeUndefined();
    await gate.acquire([{ group: "orders" }]);
    expect(metricValue(pauses(), 'jts_rate_limit_pauses_total{venue="v",bucket="orders"}')).toBe(1);

    venue = new FakeVenue({ routes: [{ method: "GET", path: "/ping", handle: () => ({ ok: true }) }] }).start();
    const client = new VenueHttpClient({ venue: "v", baseUrl: venue.url, gate, retries: 0, defaultBackoffMs: 10 });
    venue.misbehave({ kind: "429", retryAfterS: 0 });
    await expect(client.request({ method: "GET", path: "/ping", costs: [] })).rejects.toMatchObject({
      kind: "rate-limited",
    });
    venue.misbehave({ kind: "418", retryAfterS: 0 });
    await expect(client.request({ method: "GET", path: "/ping", costs: [] })).rejects.toMatchObject({ kind: "banned" });
    expect(metricValue(pauses(), 'jts_rate_limit_pauses_total{venue="v",bucket="429"}')).toBe(1);
    expect(metricValue(pauses(), 'jts_rate_limit_pauses_total{venue="v",bucket="418"}')).toBe(1);
  });

  it("reads the fake venue's skewed Date header through the HTTP client", async () => {
    venue = new FakeVenue({
      clockSkewMs: 750,
      routes: [{ method: "GET", path: "/ping", handle: () => ({ ok: true }) }],
    }).start();
    const metrics = new VenueMetrics("v");
    const clock = new HttpDateClock({ metrics });
    const gate = new RateGate(new MemoryRateLimiter(), { venue: "v", limits: {} });
    const client = new VenueHttpClient({ venue: "v", baseUrl: venue.url, gate, dateClock: clock });
    // Spread over more than a second, so the answers fall at many sub-second phases of the venue's clock.
    for (let i = 0; i < 30; i++) {
      await client.request({ method: "GET", path: "/ping", costs: [] });
      await Bun.sleep(41);
    }
    const offset = metricValue(metrics.registry.render(), 'jts_venue_clock_offset_seconds{venue="v"}');
    expect(offset).toBeGreaterThan(0.5);
    expect(offset).toBeLessThan(1.0);
  });
});
