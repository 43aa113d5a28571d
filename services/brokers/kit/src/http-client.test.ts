import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { MemoryRateLimiter } from "@jts/kit";
import { ServerClock } from "./clock.ts";
import { VenueError } from "./errors.ts";
import { encodeQuery, VenueHttpClient } from "./http-client.ts";
import { perWindow, RateGate } from "./rate-gate.ts";
import { FakeVenue } from "./testing/fake-venue.ts";

describe("VenueHttpClient against a fake venue", () => {
  let venue: FakeVenue;
  let gate: RateGate;
  let client: VenueHttpClient;
  let usage: string[];

  beforeEach(() => {
    venue = new FakeVenue({
      routes: [
        { method: "GET", path: "/ping", costs: () => [{ group: "weight", weight: 2 }], handle: () => ({ ok: true }) },
        {
          method: "POST",
          path: "/order",
          authenticate: (req) => (req.headers.get("x-key") === "k" ? null : "bad key"),
          handle: (req) => ({ got: req.json() }),
        },
        { method: "GET", path: "/time", handle: () => ({ serverTime: Date.now() + 5_000 }) },
      ],
      usageHeaders: (v) => ({ "x-used": String(v.meter.used("weight", 60_000)) }),
    }).start();
    gate = new RateGate(new MemoryRateLimiter(), {
      venue: "fake",
      limits: { weight: { scope: "ip", buckets: [perWindow("1m", 10, 60_000)] } },
    });
    usage = [];
    client = new VenueHttpClient({
      venue: "fake",
      baseUrl: venue.url,
      gate,
      sign: (req) => {
        req.headers["x-key"] = "k";
      },
      onUsage: (headers) => usage.push(headers.get("x-used") ?? ""),
      defaultBackoffMs: 50,
      timeoutMs: 300,
    });
  });
  afterEach(() => venue.stop());

  it("sends, reads the venue's usage header back and counts weight at the venue", async () => {
    expect(await client.request({ method: "GET", path: "/ping", costs: [{ group: "weight", weight: 2 }] })).toEqual({
      ok: true,
    });
    await client.request({ method: "GET", path: "/ping", costs: [{ group: "weight", weight: 2 }] });
    expect(usage).toEqual(["2", "4"]);
    expect(venue.meter.total("weight")).toBe(4);
  });

  it("signs calls marked signed and sends JSON bodies", async () => {
    const answer = await client.request({ method: "POST", path: "/order", body: { a: 1 }, costs: [], signed: true });
    expect(answer).toEqual({ got: { a: 1 } });
    await expect(client.request({ method: "POST", path: "/order", costs: [] })).rejects.toMatchObject({
      kind: "rejected",
    });
  });

  it("backs off for Retry-After on 429, then retries and succeeds", async () => {
    venue.misbehave({ kind: "429", retryAfterS: 0.3 });
    const started = performance.now();
    await client.request({ method: "GET", path: "/ping", costs: [{ group: "weight", weight: 1 }] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    expect(client.stats).toMatchObject({ rateLimited: 1, retries: 1 });
  });

  it("stops on 418 and keeps every call behind the gate until the ban ends", async () => {
    venue.misbehave({ kind: "418", retryAfterS: 0.4 });
    const error = await client.request({ method: "GET", path: "/ping", costs: [] }).catch((e) => e);
    expect(error).toBeInstanceOf(VenueError);
    expect(error).toMatchObject({ kind: "banned", details: { status: 418, retryAfterMs: 400 } });
    expect(await gate.pauseLeftMs()).toBeGreaterThan(300);
    const started = performance.now();
    await client.request({ method: "GET", path: "/ping", costs: [] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("waits in the gate instead of sending past the limit", async () => {
    const fast = new RateGate(new MemoryRateLimiter(), {
      venue: "fake",
      limits: { weight: { scope: "ip", buckets: [perWindow("s", 2, 200, 0)] } },
    });
    const quick = new VenueHttpClient({ venue: "fake", baseUrl: venue.url, gate: fast });
    const started = performance.now();
    for (let i = 0; i < 5; i++) await quick.request({ method: "GET", path: "/ping", costs: [{ group: "weight" }] });
    // 2 now, 2 after 200 ms, 1 after 400 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(fast.waits.count).toBeGreaterThan(0);
  });

  it("classes a timed-out write as unknown outcome and a malformed answer as malformed", async () => {
    venue.misbehave({ kind: "timeout", delayMs: 600 });
    await expect(
      client.request({ method: "POST", path: "/order", body: {}, costs: [], signed: true }),
    ).rejects.toMatchObject({ kind: "unknown-outcome" });
    venue.misbehave({ kind: "malformed" });
    await expect(client.request({ method: "GET", path: "/ping", costs: [] })).rejects.toMatchObject({
      kind: "malformed",
    });
  });

  it("measures the server clock offset from the round trip", async () => {
    const clock = new ServerClock(async () => {
      const body = await client.request<{ serverTime: number }>({ method: "GET", path: "/time", costs: [] });
      return body.serverTime;
    });
    const offset = await clock.sync();
    expect(offset).toBeGreaterThan(4_900);
    expect(offset).toBeLessThan(5_100);
    expect(Math.abs(clock.now() - (Date.now() + 5_000))).toBeLessThan(100);
  });

  it("lets errorOf name a rate limit sent with another status, and grows the pause per refusal", async () => {
    const refusal = { status: 500, body: { code: "BUSY", message: "too many per second" } };
    venue.misbehave({ kind: "error", ...refusal }, 2);
    const pausesMs: number[] = [];
    const kindOf = new VenueHttpClient({
      venue: "fake",
      baseUrl: venue.url,
      gate,
      errorOf: (status, body) => {
        const error = body as { code?: string; message?: string };
        return {
          code: error.code,
          message: error.message ?? `HTTP ${status}`,
          kind: error.code === "BUSY" ? "rate-limited" : undefined,
        };
      },
      defaultBackoffMs: 40,
      backoffFactor: 2,
    });
    const pauseFor = gate.pauseFor.bind(gate);
    gate.pauseFor = (ms) => {
      pausesMs.push(ms);
      return pauseFor(ms);
    };
    const { body, headers } = await kindOf.exchange({
      method: "POST",
      path: "/order",
      body: {},
      costs: [],
      headers: { "x-key": "k" },
    });
    expect(body).toEqual({ got: {} });
    expect(headers.get("content-type")).toContain("application/json");
    // A POST answered 500 would be "unknown outcome"; the venue's code says it was refused unprocessed.
    expect(pausesMs).toEqual([40, 80]);
    expect(kindOf.stats).toMatchObject({ rateLimited: 2, retries: 2 });
  });

  it("takes a wait named in the error body, and treats Retry-After: 0 as no wait named", async () => {
    venue.misbehave({ kind: "error", status: 503, body: { message: "later", waitMs: 120 } });
    const bodyWait = new VenueHttpClient({
      venue: "fake",
      baseUrl: venue.url,
      gate,
      errorOf: (_status, body) => ({
        message: "later",
        kind: "rate-limited",
        retryAfterMs: (body as { waitMs: number }).waitMs,
      }),
    });
    const started = performance.now();
    await bodyWait.request({ method: "GET", path: "/ping", costs: [] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    venue.misbehave({ kind: "429", retryAfterS: 0 });
    const again = performance.now();
    await client.request({ method: "GET", path: "/ping", costs: [] });
    expect(performance.now() - again).toBeGreaterThanOrEqual(45);
  });

  it("encodes queries in insertion order with arrays as key[]", () => {
    expect(encodeQuery({ market: "KRW-BTC", states: ["wait", "watch"], skip: undefined, limit: 10 })).toBe(
      "market=KRW-BTC&states[]=wait&states[]=watch&limit=10",
    );
  });
});
