import { beforeAll, describe, expect, it } from "bun:test";
import { createECDH, randomBytes } from "node:crypto";
import { type PushSubscribe, type PushUnsubscribe, Subjects } from "@jts/contracts";
import { AppError, createLogger, MemoryAuditLog, memoryRuntime } from "@jts/kit";
import { eventually, readJson } from "@jts/kit/testing";
import { MemoryUserDirectory } from "../auth/users.ts";
import { createGatewayService } from "../service.ts";
import { gatewayClient, gatewayTestSettings } from "../testing/client.ts";

const settings = gatewayTestSettings("push-routes-test-secret-push-routes-test-0");
const users = new MemoryUserDirectory();
const audit = new MemoryAuditLog();
const runtime = memoryRuntime(createLogger({}, "error", () => {}));
const gateway = createGatewayService(runtime, users, settings, { audit });

/** The notification service as the gateway sees it: subscriptions by endpoint, each with its owner. */
const stored = new Map<string, PushSubscribe>();
const publicKey = createECDH("prime256v1").generateKeys().toString("base64url");

const { request, login } = gatewayClient(gateway);

/** What a browser's PushSubscription.toJSON() gives. */
const browserSubscription = () => ({
  endpoint: `https://fcm.googleapis.com/fcm/send/${randomBytes(8).toString("hex")}`,
  expirationTime: null,
  keys: {
    p256dh: createECDH("prime256v1").generateKeys().toString("base64url"),
    auth: randomBytes(16).toString("base64url"),
  },
});

let alice = "";
let root = "";
beforeAll(async () => {
  await users.add("alice", "alice-password-1", "trader");
  await users.add("root", "root-password-12", "admin");
  await runtime.rpc.serve(Subjects.pushVapidKey, () => ({ publicKey, enabled: true }));
  await runtime.rpc.serve(Subjects.pushSubscribe, (req) => {
    const subscribe = req as PushSubscribe;
    const created = !stored.has(subscribe.subscription.endpoint);
    stored.set(subscribe.subscription.endpoint, subscribe);
    return { endpoint: subscribe.subscription.endpoint, created };
  });
  await runtime.rpc.serve(Subjects.pushUnsubscribe, (req) => {
    const { user, endpoint } = req as PushUnsubscribe;
    if (stored.get(endpoint)?.user !== user) throw new AppError("NOT_FOUND", "no push subscription of yours");
    stored.delete(endpoint);
    return { removed: true };
  });
  alice = await login("alice", "alice-password-1");
  root = await login("root", "root-password-12");
});

describe("gateway push routes (issue 18 item 6)", () => {
  it("gives the VAPID public key to a signed-in user only", async () => {
    expect(await readJson(await request("/api/push/vapid-public-key", alice))).toEqual({ publicKey, enabled: true });
    expect((await request("/api/push/vapid-public-key", "not-a-token")).status).toBe(401);
  });

  it("stores a browser's subscription for the token's user, with the role, and audits it without the keys", async () => {
    const subscription = browserSubscription();
    const res = await request("/api/push/subscriptions", alice, "POST", subscription);
    expect(res.status).toBe(200);
    expect(await readJson(res)).toEqual({ endpoint: subscription.endpoint, created: true });
    expect(stored.get(subscription.endpoint)).toEqual({ user: "alice", admin: false, subscription });
    await request("/api/push/subscriptions", root, "POST", browserSubscription());
    expect([...stored.values()].find((s) => s.user === "root")?.admin).toBe(true);
    // The audit entry is written after the answer.
    const entry = await eventually(async () => {
      const found = (await audit.list({ actor: "alice" })).find((e) => e.action === "push.subscribe");
      expect(found).toBeDefined();
      return found;
    });
    expect(JSON.stringify(entry)).not.toContain(subscription.keys.auth);
  });

  it("answers 422 to a subscription that is not https, or whose keys are not 65 and 16 bytes, and stores nothing", async () => {
    const good = browserSubscription();
    const before = stored.size;
    for (const bad of [
      { ...good, endpoint: "http://fcm.googleapis.com/fcm/send/x" },
      { ...good, endpoint: "https://" },
      { ...good, endpoint: "javascript:alert(1)" },
      { ...good, keys: { ...good.keys, auth: randomBytes(15).toString("base64url") } },
      { ...good, keys: { ...good.keys, p256dh: randomBytes(64).toString("base64url") } },
      { ...good, keys: { ...good.keys, p256dh: randomBytes(65).toString("base64") } },
      { ...good, keys: { p256dh: good.keys.p256dh } },
    ]) {
      const res = await request("/api/push/subscriptions", alice, "POST", bad);
      expect({ bad, status: res.status }).toEqual({ bad, status: 422 });
    }
    expect(stored.size).toBe(before);
  });

  it("takes the user from the token, never from the body", async () => {
    const sneaky = { ...browserSubscription(), user: "root", admin: true };
    await request("/api/push/subscriptions", alice, "POST", sneaky);
    expect(stored.get(sneaky.endpoint)).toMatchObject({ user: "alice", admin: false });
  });

  it("lets a user delete only their own subscription", async () => {
    const rootsOwn = browserSubscription();
    await request("/api/push/subscriptions", root, "POST", rootsOwn);
    const refused = await request("/api/push/subscriptions", alice, "DELETE", { endpoint: rootsOwn.endpoint });
    expect(refused.status).toBe(404);
    expect(stored.has(rootsOwn.endpoint)).toBe(true);
    const own = await request("/api/push/subscriptions", root, "DELETE", { endpoint: rootsOwn.endpoint });
    expect(await readJson(own)).toEqual({ removed: true });
    expect(stored.has(rootsOwn.endpoint)).toBe(false);
    expect((await request("/api/push/subscriptions", alice, "DELETE", { endpoint: "ftp://x" })).status).toBe(422);
  });
});
