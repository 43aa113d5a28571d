import { afterEach, describe, expect, it } from "bun:test";
import { type Alert, type Envelope, Topics } from "@jts/contracts";
import { MemoryEventBus } from "@jts/kit";
import { eventually, silentLogger } from "@jts/kit/testing";
import { fetchApprovalKey, KisTokens } from "./auth.ts";
import type { FakeKis } from "./testing/fake-kis.ts";
import { kisHarness } from "./testing/harness.ts";

let fake: FakeKis | undefined;
afterEach(async () => {
  await fake?.stop();
});

describe("KIS access token", () => {
  it("is issued once with the documented body and reused by every replica sharing the cache", async () => {
    const h = kisHarness("paper");
    fake = h.fake;
    const replica = new KisTokens({
      settings: h.settings,
      cache: h.cache,
      bus: h.bus,
      logger: silentLogger,
      http: h.http,
    });
    const tokens = await Promise.all([h.tokens.get(), h.tokens.get(), replica.get(), replica.get()]);
    expect(new Set(tokens).size).toBe(1);
    expect(h.fake.tokensIssued).toHaveLength(1);
    const issue = h.fake.requests.filter((r) => r.path === "/oauth2/tokenP");
    expect(issue).toHaveLength(1);
    expect(issue[0]?.body).toEqual({
      grant_type: "client_credentials",
      appkey: h.fake.appKey,
      appsecret: h.fake.appSecret,
    });
  });

  it("throttles a re-issue to one a minute across replicas, then issues again", async () => {
    const h = kisHarness("paper");
    fake = h.fake;
    const options = {
      settings: h.settings,
      cache: h.cache,
      bus: h.bus,
      logger: silentLogger,
      http: h.http,
      reissueIntervalMs: 400,
    };
    const first = new KisTokens(options);
    const second = new KisTokens(options);
    const token = await first.get();
    await first.invalidate(token);
    // Within the interval neither replica asks KIS again (KIS would answer EGW00133 and notify the user).
    const started = Date.now();
    await expect(second.get()).rejects.toMatchObject({ kind: "unavailable", details: { code: "EGW00133" } });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(h.fake.requests.filter((r) => r.path === "/oauth2/tokenP")).toHaveLength(1);
    await Bun.sleep(450);
    h.fake.forgetTokenThrottle();
    const renewed = await second.get();
    expect(renewed).not.toBe(token);
    expect(await first.get()).toBe(renewed);
    expect(h.fake.tokensIssued).toHaveLength(2);
  });

  it("raises an alert for every issuance", async () => {
    const h = kisHarness("paper");
    fake = h.fake;
    const bus = new MemoryEventBus();
    const alerts: Alert[] = [];
    await bus.subscribe(Topics.alert, (event: Envelope) => {
      alerts.push(event.payload as Alert);
    });
    await new KisTokens({ settings: h.settings, cache: h.cache, bus, logger: silentLogger, http: h.http }).get();
    await eventually(() => expect(alerts).toHaveLength(1));
    expect(alerts[0]).toMatchObject({
      kind: "SYSTEM",
      severity: "INFO",
      title: "KIS access token issued",
      account: "kis-test",
    });
  });

  it("fetches the WebSocket approval key with secretkey, not appsecret", async () => {
    const h = kisHarness("paper");
    fake = h.fake;
    expect(await fetchApprovalKey(h.settings, h.http)).toMatch(/^[0-9a-f-]{36}$/);
    const request = h.fake.requests.find((r) => r.path === "/oauth2/Approval");
    expect(request?.body).toEqual({
      grant_type: "client_credentials",
      appkey: h.fake.appKey,
      secretkey: h.fake.appSecret,
    });
  });
});
