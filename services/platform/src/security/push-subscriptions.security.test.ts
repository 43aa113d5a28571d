import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createECDH, randomBytes } from "node:crypto";
import { generateVapidKeys } from "@jts/notification-service";
import { bootSecurityPlatform, type SecurityPlatform } from "./harness.ts";

// Issue 18 item 6: Web Push subscriptions through the gateway to the notification service, on one platform.
const vapid = generateVapidKeys();
let withKeys: SecurityPlatform;
let withoutKeys: SecurityPlatform;
beforeAll(async () => {
  withKeys = await bootSecurityPlatform({
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: "mailto:ops@jts.test",
  });
  withoutKeys = await bootSecurityPlatform();
});
afterAll(async () => {
  await withKeys?.stop();
  await withoutKeys?.stop();
});

const subscription = () => ({
  endpoint: `https://updates.push.services.mozilla.com/wpush/v2/${randomBytes(8).toString("hex")}`,
  expirationTime: null,
  keys: {
    p256dh: createECDH("prime256v1").generateKeys().toString("base64url"),
    auth: randomBytes(16).toString("base64url"),
  },
});

describe("push subscriptions through the gateway (issue 18)", () => {
  it("hands out the VAPID key, stores a user's subscription, and lets only its owner delete it", async () => {
    const p = withKeys;
    const alice = await p.addUser("push-alice", "trader");
    const bob = await p.addUser("push-bob", "trader");
    expect(await p.json("/api/push/vapid-public-key", { token: alice })).toEqual({
      status: 200,
      body: { publicKey: vapid.publicKey, enabled: true },
    });
    const own = subscription();
    expect(await p.json("/api/push/subscriptions", { method: "POST", token: alice, body: own })).toEqual({
      status: 200,
      body: { endpoint: own.endpoint, created: true },
    });
    const del = (token: typeof alice, endpoint: string) =>
      p.json("/api/push/subscriptions", { method: "DELETE", token, body: { endpoint } });
    expect((await del(bob, own.endpoint)).status).toBe(404);
    expect(await del(alice, own.endpoint)).toEqual({ status: 200, body: { removed: true } });
    expect((await del(alice, own.endpoint)).status).toBe(404);
    // "push" is a configured channel now: the rules screen can route an alert kind to it.
    const rule = { routes: [{ kind: "TRADING_STATE", channels: ["push"] }], quietHours: null };
    expect(
      (await p.json("/api/notification-rules", { method: "PUT", token: alice, body: { version: 0, rule } })).status,
    ).toBe(200);
  });

  it("without VAPID keys says push is off and refuses subscriptions (409)", async () => {
    const p = withoutKeys;
    const alice = await p.addUser("push-carol", "trader");
    expect((await p.json("/api/push/vapid-public-key", { token: alice })).body).toEqual({
      publicKey: "",
      enabled: false,
    });
    expect(
      (await p.json("/api/push/subscriptions", { method: "POST", token: alice, body: subscription() })).status,
    ).toBe(409);
  });
});
