import { afterEach, describe, expect, it } from "bun:test";
import {
  type Alert,
  type DocumentStore,
  EventTypes,
  type NotificationRule,
  type NotificationRuleView,
  Subjects,
  Topics,
  type TradingStateChange,
} from "@jts/contracts";
import {
  type AppError,
  createLogger,
  envelope,
  MemoryDocumentStore,
  MemoryEventBus,
  memoryRuntime,
  type Runtime,
  rpcClient,
} from "@jts/kit";
import { eventually, readJson, serverUrl } from "@jts/kit/testing";
import type { Channel, ChannelName } from "./channels/channel.ts";
import { isQuiet, RULES_COLLECTION } from "./rule-book.ts";
import { createNotificationService } from "./service.ts";

const quiet = createLogger({}, "error", () => {});
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** Channels that record what they were sent. */
function recording(...names: ChannelName[]) {
  const sent: Array<{ channel: ChannelName; kind: Alert["kind"] }> = [];
  const channels: Channel[] = names.map((name) => ({
    name,
    send: async (alert: Alert) => {
      sent.push({ channel: name, kind: alert.kind });
    },
  }));
  return { sent, channels };
}

const halt = (tsEvent: string): TradingStateChange => ({
  account: null,
  state: "HALTED",
  previous: "ACTIVE",
  reason: "kill switch",
  changedBy: "admin",
  cancelOpenOrders: false,
  tsEvent,
});
const reducing = (tsEvent: string): TradingStateChange => ({ ...halt(tsEvent), state: "REDUCING" });

async function replica(documents: DocumentStore, bus?: Runtime["bus"], channels = recording("webhook", "telegram")) {
  const base = memoryRuntime(quiet);
  const runtime = bus ? { ...base, bus } : base;
  const service = createNotificationService(runtime, {
    channels: channels.channels,
    routes: new Map([["TRADING_STATE", ["webhook"]]]),
    documents,
    seedUser: "admin",
  });
  await service.start();
  stops.push(() => service.stop());
  const { call } = rpcClient(runtime.rpc);
  const ready = async () => {
    const response = await service.app.handle(new Request("http://localhost/ready"));
    return { status: response.status, body: (await readJson(response)) as { reasons?: Record<string, string> } };
  };
  const publish = (change: TradingStateChange) =>
    runtime.bus.publish(Topics.tradingState, envelope(EventTypes.tradingState, "risk", "platform", change));
  return { service, call, ready, publish, sent: channels.sent };
}

const telegramOnState: NotificationRule = {
  routes: [{ kind: "TRADING_STATE", channels: ["telegram"] }],
  quietHours: null,
};

describe("notification rules in the document store (issue 19)", () => {
  it("seeds the environment's routes as the first rule only, and keeps a rule edited at run time across a restart", async () => {
    const documents = new MemoryDocumentStore();
    const first = await replica(documents);
    const seeded = (await first.call(Subjects.notificationRulesGet, { user: "admin" })) as NotificationRuleView;
    expect(seeded).toEqual({
      user: "admin",
      version: 1,
      rule: { routes: [{ kind: "TRADING_STATE", channels: ["webhook"] }], quietHours: null },
    });
    await first.call(Subjects.notificationRulesSet, { user: "admin", version: 1, rule: telegramOnState });
    await first.service.stop();
    stops.splice(0);

    const second = await replica(documents); // the environment still says webhook: it seeds nothing now
    expect(
      ((await second.call(Subjects.notificationRulesGet, { user: "admin" })) as NotificationRuleView).rule,
    ).toEqual(telegramOnState);
    await second.publish(halt("1"));
    await eventually(() => expect(second.sent).toEqual([{ channel: "telegram", kind: "TRADING_STATE" }]));
  });

  it("refuses a stale version and a bad rule (422) and changes nothing", async () => {
    const documents = new MemoryDocumentStore();
    const svc = await replica(documents);
    const refusal = (request: unknown) =>
      svc.call(Subjects.notificationRulesSet, request as never).then(
        () => null,
        (error: unknown) => (error as AppError).code,
      );
    expect(await refusal({ user: "admin", version: 7, rule: telegramOnState })).toBe("CONFLICT");
    expect(await refusal({ user: "bob", version: 1, rule: telegramOnState })).toBe("CONFLICT");
    const bad: Array<[string, unknown]> = [
      ["unconfigured channel", { routes: [{ kind: "TRADING_STATE", channels: ["email"] }], quietHours: null }],
      [
        "duplicate kind",
        {
          routes: [
            { kind: "TRADING_STATE", channels: ["webhook"] },
            { kind: "TRADING_STATE", channels: ["telegram"] },
          ],
          quietHours: null,
        },
      ],
      ["unknown zone", { routes: [], quietHours: { from: "22:00", to: "07:00", timeZone: "Mars/Olympus" } }],
      ["empty span", { routes: [], quietHours: { from: "22:00", to: "22:00", timeZone: "Asia/Seoul" } }],
      ["bad clock", { routes: [], quietHours: { from: "25:00", to: "07:00", timeZone: "Asia/Seoul" } }],
      ["unknown kind", { routes: [{ kind: "EVERYTHING", channels: [] }], quietHours: null }],
      ["extra field", { routes: [], quietHours: null, owner: "mallory" }],
    ];
    for (const [why, rule] of bad)
      expect([why, await refusal({ user: "admin", version: 1, rule })]).toEqual([why, "VALIDATION"]);
    const stored = await documents.findByName(RULES_COLLECTION, "admin");
    expect(stored?.version).toBe(1);
    expect(((await svc.call(Subjects.notificationRulesGet, { user: "admin" })) as NotificationRuleView).version).toBe(
      1,
    );
  });

  it("mutes a user's non-critical alerts in their quiet hours, across midnight, but never a HALT", async () => {
    const zone = "Asia/Seoul"; // UTC+9, no daylight saving
    const span = { from: "22:00", to: "07:00", timeZone: zone };
    expect(isQuiet(span, new Date("2026-01-01T14:30:00Z"))).toBe(true); // 23:30 in Seoul
    expect(isQuiet(span, new Date("2026-01-01T21:59:00Z"))).toBe(true); // 06:59
    expect(isQuiet(span, new Date("2026-01-01T22:00:00Z"))).toBe(false); // 07:00
    expect(isQuiet({ from: "09:00", to: "17:00", timeZone: zone }, new Date("2026-01-01T03:00:00Z"))).toBe(true);

    const svc = await replica(new MemoryDocumentStore());
    const always = { from: "00:00", to: "23:59", timeZone: "UTC" };
    const now = new Date();
    const allDay =
      now.getUTCHours() === 23 && now.getUTCMinutes() === 59 ? { ...always, to: "23:58", from: "23:59" } : always;
    await svc.call(Subjects.notificationRulesSet, {
      user: "admin",
      version: 1,
      rule: { routes: [{ kind: "TRADING_STATE", channels: ["webhook", "telegram"] }], quietHours: allDay },
    });
    await svc.publish(reducing("1")); // WARNING: muted
    await svc.publish(halt("2")); // CRITICAL: goes out
    await eventually(() => expect(svc.service.list()).toHaveLength(2));
    await svc.service.notifier.idle();
    expect(svc.sent.map((s) => s.channel).sort()).toEqual(["telegram", "webhook"]);
  });

  it("sends a CRITICAL alert that no rule routes to every configured channel (an alert about money never goes nowhere)", async () => {
    const svc = await replica(new MemoryDocumentStore());
    // The only user routes nothing: a rule edited to silence everything, or a hand edit gone wrong.
    await svc.call(Subjects.notificationRulesSet, {
      user: "admin",
      version: 1,
      rule: { routes: [], quietHours: null },
    });
    await svc.publish(reducing("1")); // WARNING: the rule's choice holds
    await svc.publish(halt("2")); // CRITICAL: goes out anyway
    await eventually(() => expect(svc.service.list()).toHaveLength(2));
    await svc.service.notifier.idle();
    expect(svc.sent.sort((x, y) => x.channel.localeCompare(y.channel))).toEqual([
      { channel: "telegram", kind: "TRADING_STATE" },
      { channel: "webhook", kind: "TRADING_STATE" },
    ]);
  });

  it("routes by the union of every user's rule", async () => {
    const svc = await replica(new MemoryDocumentStore());
    await svc.call(Subjects.notificationRulesSet, {
      user: "admin",
      version: 1,
      rule: { routes: [], quietHours: null },
    });
    await svc.call(Subjects.notificationRulesSet, { user: "bob", version: 0, rule: telegramOnState });
    await svc.publish(halt("1"));
    await eventually(() => expect(svc.sent).toEqual([{ channel: "telegram", kind: "TRADING_STATE" }]));
  });

  it("applies a rule changed through one replica on the other (bus announcement)", async () => {
    const documents = new MemoryDocumentStore();
    const bus = new MemoryEventBus();
    const a = await replica(documents, bus);
    const b = await replica(documents, bus);
    await a.call(Subjects.notificationRulesSet, { user: "admin", version: 1, rule: telegramOnState });
    await eventually(() => expect(b.service.rules.view("admin").rule).toEqual(telegramOnState));
    expect(b.service.rules.channelsFor({ kind: "TRADING_STATE", severity: "CRITICAL" } as Alert, new Date())).toEqual([
      "telegram",
    ]);
  });

  it("skips a hand-edited rule with its id, says so in /ready, keeps the other rules, and takes a new one over it", async () => {
    const documents = new MemoryDocumentStore();
    await documents.create(RULES_COLLECTION, "bob", telegramOnState);
    const broken = await documents.create(RULES_COLLECTION, "carol", { routes: "all of them" });
    const svc = await replica(documents);
    const ready = await svc.ready();
    expect(ready.status).toBe(503);
    expect(ready.body.reasons?.rules).toContain(`collection notification-rules has unreadable documents: ${broken.id}`);
    await svc.publish(halt("1"));
    await eventually(() => expect(svc.sent).toEqual([{ channel: "telegram", kind: "TRADING_STATE" }]));
    // carol (or an admin) writes a good rule over the broken one: ready again.
    await svc.call(Subjects.notificationRulesSet, { user: "carol", version: broken.version, rule: telegramOnState });
    expect((await svc.ready()).status).toBe(200);
  });

  it("seeds the first rule once a store that was down at start answers", async () => {
    const documents = new MemoryDocumentStore();
    const list = documents.list.bind(documents);
    let down = true;
    documents.list = async <Body>(collection: string) => {
      if (down) throw new Error("connection refused");
      return list<Body>(collection);
    };
    const channels = recording("webhook");
    const service = createNotificationService(memoryRuntime(quiet), {
      channels: channels.channels,
      routes: new Map([["TRADING_STATE", ["webhook"]]]),
      documents,
      rulesRetryMs: 5,
    });
    await service.start();
    stops.push(() => service.stop());
    expect(service.rules.view("admin").version).toBe(0);
    down = false;
    await eventually(() =>
      expect(service.rules.view("admin")).toEqual({
        user: "admin",
        version: 1,
        rule: { routes: [{ kind: "TRADING_STATE", channels: ["webhook"] }], quietHours: null },
      }),
    );
  });

  it("keeps running in-app when the store does not answer, says so in /ready, and loads the rules once it does", async () => {
    const documents = new MemoryDocumentStore();
    await documents.create(RULES_COLLECTION, "admin", telegramOnState);
    const list = documents.list.bind(documents);
    let down = true;
    documents.list = async <Body>(collection: string) => {
      if (down) throw new Error("connection refused");
      return list<Body>(collection);
    };
    const base = memoryRuntime(quiet);
    const channels = recording("webhook", "telegram");
    const service = createNotificationService(base, { channels: channels.channels, documents, rulesRetryMs: 5 });
    await service.start();
    stops.push(() => service.stop());
    const response = await service.app.handle(new Request("http://localhost/ready"));
    expect(response.status).toBe(503);
    expect(((await readJson(response)) as { reasons: Record<string, string> }).reasons.rules).toContain(
      "collection notification-rules cannot be read: connection refused",
    );
    down = false;
    await eventually(() => expect(service.rules.view("admin").version).toBe(1));
    expect(service.rules.view("admin").rule).toEqual(telegramOnState); // stored, not re-seeded
    expect((await service.app.handle(new Request("http://localhost/ready"))).status).toBe(200);
  });
});

const mongoUrl = serverUrl("MONGO_URL");
const natsUrl = serverUrl("NATS_URL");
const onRealServers = Boolean(mongoUrl && natsUrl);

describe("notification rules in MongoDB across two replicas on the real servers", () => {
  it.skipIf(!onRealServers)(
    `applies a rule set through one replica on the other over the bus, and skips a rule hand-edited in the database${onRealServers ? "" : " (skipped: MONGO_URL and NATS_URL not set)"}`,
    async () => {
      const { MongoDocumentStore } = await import("@jts/kit/mongo");
      const { connectNats, JetStreamEventBus } = await import("@jts/kit/nats");
      const database = `jts_notify_test_${Date.now()}`;
      const prefix = `jtsnotify${Date.now()}`;
      const open = async () => {
        const documents = await MongoDocumentStore.connect(mongoUrl as string, database);
        const bus = await JetStreamEventBus.create(await connectNats(natsUrl as string, "notify-documents-test"), {
          stream: "JTS_NOTIFY_DOCS_TEST",
          prefix,
          ownsConnection: true,
        });
        stops.push(async () => {
          await documents.close();
          await bus.close();
        });
        return replica(documents, bus);
      };
      const a = await open();
      const b = await open();
      await a.call(Subjects.notificationRulesSet, { user: "admin", version: 1, rule: telegramOnState });
      await eventually(() => expect(b.service.rules.view("admin").rule).toEqual(telegramOnState), 10_000);

      // A hand edit in the database (no bus event; FerretDB has no change stream): seen at the next reload.
      // Written on a connection of its own, past every replica's schema check, as a hand edit would be.
      const raw = await MongoDocumentStore.connect(mongoUrl as string, database);
      const edited = await raw.create(RULES_COLLECTION, "mallory", { routes: 5 });
      await raw.close();
      await a.call(Subjects.notificationRulesSet, { user: "bob", version: 0, rule: telegramOnState });
      await eventually(async () => {
        const ready = await b.ready();
        expect(ready.status).toBe(503);
        expect(ready.body.reasons?.rules).toContain(edited.id);
      }, 10_000);
      expect(b.service.rules.view("bob").version).toBe(1);
    },
    30_000,
  );
});
