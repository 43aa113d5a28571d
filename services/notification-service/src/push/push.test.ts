import { afterEach, describe, expect, it } from "bun:test";
import {
  type Account,
  type NotificationRule,
  type Order,
  Subjects,
  type TradingStateChange,
  type VenueStatus,
} from "@jts/contracts";
import {
  type AppError,
  envelope,
  forward,
  MemoryDocumentStore,
  memoryRuntime,
  type Runtime,
  rpcClient,
} from "@jts/kit";
import { eventually, fillFixture, orderFixture, silentLogger } from "@jts/kit/testing";
import { createNotificationService } from "../service.ts";
import type { PushPayload } from "./channel.ts";
import { PUSH_COLLECTION } from "./subscriptions.ts";
import { startFakePushService } from "./testing/fake-push-service.ts";
import { generateVapidKeys } from "./vapid.ts";

const vapid = { ...generateVapidKeys(), subject: "mailto:ops@jts.test" };
const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const account = (id: string, owner: string): Account => ({
  id,
  owner,
  venue: "sim",
  kind: "CASH",
  baseCurrency: "KRW",
  mode: "PAPER",
  balances: [],
});
const everyKind: NotificationRule = {
  routes: [
    { kind: "ORDER_FILLED", channels: ["push"] },
    { kind: "ORDER_REJECTED", channels: ["push"] },
    { kind: "TRADING_STATE", channels: ["push"] },
    { kind: "VENUE_DISCONNECTED", channels: ["push"] },
  ],
  quietHours: null,
};
const halted: TradingStateChange = {
  account: null,
  state: "HALTED",
  previous: "ACTIVE",
  reason: "kill switch",
  changedBy: "admin",
  cancelOpenOrders: false,
  tsEvent: "6",
};

async function setup(options: { vapid?: typeof vapid | null } = {}) {
  const runtime: Runtime = memoryRuntime(silentLogger);
  const fake = await startFakePushService();
  const documents = new MemoryDocumentStore();
  // The portfolio service's answer: alice owns acc-a, bob owns acc-b.
  await runtime.rpc.serve(Subjects.accounts, (req) => {
    const owner = (req as { owner?: string }).owner;
    return [account("acc-a", "alice"), account("acc-b", "bob")].filter((a) => !owner || a.owner === owner);
  });
  const service = createNotificationService(runtime, {
    documents,
    ...(options.vapid === null ? {} : { vapid: options.vapid ?? vapid }),
    pushTransport: fake.transport,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
  });
  await service.start();
  stops.push(
    () => fake.stop(),
    () => service.stop(),
  );
  const { call } = rpcClient(runtime.rpc);
  const subscribe = async (user: string, admin = false) => {
    const subscription = fake.subscribe((await call(Subjects.pushVapidKey, {})).publicKey);
    expect(await call(Subjects.pushSubscribe, { user, admin, subscription })).toEqual({
      endpoint: subscription.endpoint,
      created: true,
    });
    return subscription;
  };
  const optIn = (user: string, rule = everyKind) => call(Subjects.notificationRulesSet, { user, version: 0, rule });
  // Hand-made events of several topics: through the kit's untyped forward, as the outbox relay does.
  const publish = (topic: string, type: string, payload: unknown) =>
    forward(runtime.bus, topic, envelope(type, "test", "k", payload));
  const payloads = (endpoint: string) =>
    fake.received.filter((r) => r.endpoint === endpoint).map((r) => r.payload as PushPayload);
  return { runtime, fake, documents, service, call, subscribe, optIn, publish, payloads };
}

describe("Web Push alerts (issue 18 item 6)", () => {
  it("sends fills, rejects, HALT and venue disconnects encrypted and VAPID-signed to the opted-in user's devices", async () => {
    const { fake, subscribe, optIn, publish, payloads, call } = await setup();
    expect(await call(Subjects.pushVapidKey, {})).toEqual({ publicKey: vapid.publicKey, enabled: true });
    const phone = await subscribe("alice");
    const laptop = await subscribe("alice");
    await optIn("alice");

    await publish("order.fill", "Fill", fillFixture({ id: "F-1", account: "acc-a", symbol: "005930" }));
    const rejected: Order = orderFixture({ id: "o9", account: "acc-a", status: "REJECTED", rejectReason: "no cash" });
    await publish("order.updated", "OrderUpdated", rejected);
    await publish("risk.state", "TradingStateChanged", halted);
    const down: VenueStatus = { venue: "upbit", connected: false, reason: "socket closed", tsEvent: "9" };
    await publish("venue.status", "VenueStatus", down);

    await eventually(() => expect(payloads(phone.endpoint)).toHaveLength(4));
    await eventually(() => expect(payloads(laptop.endpoint)).toHaveLength(4));
    expect(fake.rejected).toEqual([]);
    const byKind = Object.fromEntries(payloads(phone.endpoint).map((p) => [p.kind, p]));
    expect(byKind.ORDER_FILLED).toMatchObject({ title: "BUY 10 005930 @ 70000", account: "acc-a", url: "/#alerts" });
    expect(byKind.ORDER_REJECTED).toMatchObject({ severity: "WARNING", body: "no cash" });
    expect(byKind.TRADING_STATE).toMatchObject({ severity: "CRITICAL", title: "Trading HALTED", account: null });
    expect(byKind.VENUE_DISCONNECTED).toMatchObject({ title: "Venue upbit disconnected", body: "socket closed" });
    const halt = fake.received.find((r) => (r.payload as PushPayload).kind === "TRADING_STATE");
    expect(halt).toMatchObject({ urgency: "high", ttl: 86_400, jwt: { aud: "https://push.test", sub: vapid.subject } });
  });

  it("sends only to users who opted in, and an account's alerts only to users who may see that account", async () => {
    const { subscribe, optIn, publish, payloads } = await setup();
    const alice = await subscribe("alice");
    const bob = await subscribe("bob");
    const root = await subscribe("root", true);
    const carol = await subscribe("carol"); // subscribed, but her rule routes nothing to push
    await optIn("alice");
    await optIn("bob");
    await optIn("root");
    await optIn("carol", { routes: [{ kind: "ORDER_FILLED", channels: [] }], quietHours: null });

    await publish("order.fill", "Fill", fillFixture({ id: "F-2", account: "acc-b" }));
    await publish("risk.state", "TradingStateChanged", halted);
    await eventually(() => expect(payloads(alice.endpoint).map((p) => p.kind)).toEqual(["TRADING_STATE"]));
    await eventually(() =>
      expect(
        payloads(bob.endpoint)
          .map((p) => p.kind)
          .sort(),
      ).toEqual(["ORDER_FILLED", "TRADING_STATE"]),
    );
    await eventually(() => expect(payloads(root.endpoint)).toHaveLength(2)); // an admin sees every account
    expect(payloads(carol.endpoint)).toEqual([]);
    expect(payloads(alice.endpoint).some((p) => p.account === "acc-b")).toBe(false);
  });

  it("removes a subscription the push service calls gone (410, 404) and keeps the others", async () => {
    const { fake, subscribe, optIn, publish, payloads, documents, service } = await setup();
    const gone = await subscribe("alice");
    const missing = await subscribe("alice");
    const kept = await subscribe("alice");
    await optIn("alice");
    fake.answer(gone.endpoint, 410);
    fake.answer(missing.endpoint, 404);
    await publish("risk.state", "TradingStateChanged", halted);
    await eventually(async () => expect(await documents.list(PUSH_COLLECTION)).toHaveLength(1));
    const [left] = await documents.list<{ endpoint: string }>(PUSH_COLLECTION);
    expect(left?.body.endpoint).toBe(kept.endpoint);
    expect(service.push.subscriptions.size).toBe(1);
    expect(payloads(kept.endpoint)).toHaveLength(1);
  });

  it("retries a push service that failed, without sending again to the devices already reached", async () => {
    const { fake, subscribe, optIn, publish, payloads, service } = await setup();
    const flaky = await subscribe("alice");
    const steady = await subscribe("alice");
    await optIn("alice");
    fake.answer(flaky.endpoint, 500, 503);
    await publish("risk.state", "TradingStateChanged", halted);
    await eventually(() => expect(payloads(flaky.endpoint)).toHaveLength(1));
    await service.notifier.idle();
    expect(payloads(steady.endpoint)).toHaveLength(1);
    expect(service.notifier.stats).toMatchObject({ sent: 1, retried: 2, failed: 0 });
  });

  it("lets a user remove only their own subscription; the same endpoint again takes it over", async () => {
    const { subscribe, call, documents } = await setup();
    const alices = await subscribe("alice");
    const refused = await call(Subjects.pushUnsubscribe, { user: "bob", endpoint: alices.endpoint }).catch(
      (e: AppError) => e.code,
    );
    expect(refused).toBe("NOT_FOUND");
    expect(await documents.list(PUSH_COLLECTION)).toHaveLength(1);
    // Bob logs in on the same browser: the endpoint is now his.
    expect(await call(Subjects.pushSubscribe, { user: "bob", admin: false, subscription: alices })).toEqual({
      endpoint: alices.endpoint,
      created: false,
    });
    expect(await call(Subjects.pushUnsubscribe, { user: "bob", endpoint: alices.endpoint })).toEqual({ removed: true });
    expect(await documents.list(PUSH_COLLECTION)).toEqual([]);
  });

  it("without VAPID keys: the key rpc says disabled, subscribing is refused, push is not a configured channel", async () => {
    const { call, fake, optIn } = await setup({ vapid: null });
    expect(await call(Subjects.pushVapidKey, {})).toEqual({ publicKey: "", enabled: false });
    const subscription = fake.subscribe(vapid.publicKey);
    expect(
      await call(Subjects.pushSubscribe, { user: "alice", admin: false, subscription }).catch((e: AppError) => e.code),
    ).toBe("CONFLICT");
    expect(await optIn("alice").catch((e: AppError) => e.code)).toBe("VALIDATION");
  });

  it("refuses a subscription that is not https or whose keys have the wrong length, storing nothing", async () => {
    const { call, fake, documents } = await setup();
    const good = fake.subscribe(vapid.publicKey);
    for (const subscription of [
      { ...good, endpoint: "http://push.test/x" },
      { ...good, keys: { ...good.keys, auth: good.keys.auth.slice(1) } },
      { ...good, keys: { ...good.keys, p256dh: `${good.keys.p256dh}A` } },
    ])
      expect(
        await call(Subjects.pushSubscribe, { user: "alice", admin: false, subscription }).catch(
          (e: AppError) => e.code,
        ),
      ).toBe("VALIDATION");
    expect(await documents.list(PUSH_COLLECTION)).toEqual([]);
  });
});
