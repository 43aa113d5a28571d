import { afterEach, describe, expect, it } from "bun:test";
import { type DocumentChange, type DocumentStore, type RiskDecision, Subjects, Topics } from "@jts/contracts";
import { createLogger, MemoryDocumentStore, MemoryEventBus, memoryRuntime, type Runtime, rpcClient } from "@jts/kit";
import { eventually, orderFixture, readJson, serverUrl } from "@jts/kit/testing";
import { createRiskService } from "./service.ts";
import { SETTINGS_COLLECTION } from "./settings.ts";
import { servePortfolio } from "./testing.ts";

const quiet = createLogger({}, "error", () => {});
const limits = { maxOrderNotional: "100000000", maxPositionNotional: "100000000" };
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** One risk replica on its own runtime (own rpc, own cache) with `documents`; `bus` shared when given. */
async function replica(documents: DocumentStore, bus?: Runtime["bus"]) {
  const base = memoryRuntime(quiet);
  const runtime = bus ? { ...base, bus } : base;
  await servePortfolio(runtime);
  const service = createRiskService(runtime, { limits, documents, settingsPollMs: 200 });
  await service.start();
  service.engine.onPrice("005930", "70000");
  stops.push(() => service.stop());
  const { call } = rpcClient(runtime.rpc);
  const check = async (id: string, quantity = "10") =>
    (await call(Subjects.riskCheck, { order: orderFixture({ id, clientOrderId: id, quantity }) })) as RiskDecision;
  const ready = async () => {
    const response = await service.app.handle(new Request("http://localhost/ready"));
    return { status: response.status, body: (await readJson(response)) as { reasons?: Record<string, string> } };
  };
  return { service, call, check, ready };
}

describe("risk limits in the document store (issue 19)", () => {
  it("refuses orders on limits it loaded from the document store after a restart", async () => {
    const documents = new MemoryDocumentStore();
    const first = await replica(documents);
    // 10 x 70,000 = 700,000: above a 500,000 order limit.
    await first.call(Subjects.riskSetLimits, { account: "acc", limits: { maxOrderNotional: "500000" } });
    expect((await first.check("before", "5")).approved).toBe(true);
    await first.service.stop();
    stops.splice(0);

    const second = await replica(documents);
    expect(second.service.engine.limits.view("acc").limits).toEqual({ maxOrderNotional: "500000" });
    expect(await second.check("o1")).toMatchObject({ approved: false, rule: "MAX_ORDER_NOTIONAL" });
    expect((await second.ready()).status).toBe(200);
  });

  it("halts, refuses orders and is not ready, naming the document, when the stored limits were hand-edited badly", async () => {
    const documents = new MemoryDocumentStore();
    const first = await replica(documents);
    await first.call(Subjects.riskSetLimits, { account: "acc", limits: { maxOrderNotional: "500000" } });
    await first.service.stop();
    stops.splice(0);
    const stored = await documents.findByName<{ limits: { defaults: Record<string, string> } }>(
      SETTINGS_COLLECTION,
      "settings",
    );
    if (!stored) throw new Error("settings were not stored");
    // A hand edit: a limit that is not a number.
    const body = { ...stored.body, limits: { ...stored.body.limits, defaults: { maxOrderNotional: "lots" } } };
    await documents.update(SETTINGS_COLLECTION, stored.id, stored.version, body);

    const second = await replica(documents);
    expect(second.service.engine.status().state).toBe("HALTED");
    expect((await second.check("o1", "1")).approved).toBe(false);
    const ready = await second.ready();
    expect(ready.status).toBe(503);
    expect(ready.body.reasons?.settings).toContain(`document ${stored.id} (settings) of collection risk-settings`);
    // The engine holds only the defaults now: a resume or a limit change would trade on them and write them over
    // every account's own limits. Both are refused and the damaged copy stays for the operator to repair or delete.
    await expect(second.call(Subjects.riskSetState, { state: "ACTIVE", reason: "checked" })).rejects.toThrow(
      /unreadable.*repair or delete/,
    );
    await expect(
      second.call(Subjects.riskSetLimits, { account: "acc", limits: { maxOrderNotional: "1" } }),
    ).rejects.toThrow(/unreadable/);
    expect(second.service.engine.status().state).toBe("HALTED");
    expect((await documents.findByName(SETTINGS_COLLECTION, "settings"))?.body).toEqual(body);
    // The operator deletes the damaged document: the re-read finds none, and a resume now trades on the defaults
    // by the operator's explicit choice.
    await documents.delete(SETTINGS_COLLECTION, stored.id, stored.version + 1);
    await eventually(async () =>
      expect(second.call(Subjects.riskSetState, { state: "ACTIVE", reason: "checked" })).resolves.toBeDefined(),
    );
    await eventually(async () => expect((await second.ready()).status).toBe(200));
    expect((await second.check("o2", "1")).approved).toBe(true);
  });

  it("halts and names the collection when the document store does not answer at start", async () => {
    const documents = new MemoryDocumentStore();
    documents.findByName = async () => {
      throw new Error("connection refused");
    };
    const risk = await replica(documents);
    expect(risk.service.engine.status().state).toBe("HALTED");
    expect((await risk.check("o1", "1")).approved).toBe(false);
    const ready = await risk.ready();
    expect(ready.status).toBe(503);
    expect(ready.body.reasons?.settings).toContain("collection risk-settings: connection refused");
  });

  it("applies limits and a kill switch set through one replica on the other (bus announcement)", async () => {
    const documents = new MemoryDocumentStore();
    const bus = new MemoryEventBus();
    const announced: string[] = [];
    await bus.subscribe(Topics.documentChanged, (e) => {
      announced.push((e.payload as DocumentChange).name);
    });
    const a = await replica(documents, bus);
    const b = await replica(documents, bus);
    expect((await b.check("b1")).approved).toBe(true);
    await a.call(Subjects.riskSetLimits, { account: "acc", limits: { maxOrderNotional: "500000" } });
    await eventually(async () =>
      expect(b.service.engine.limits.view("acc").limits).toEqual({ maxOrderNotional: "500000" }),
    );
    expect(await b.check("b2")).toMatchObject({ approved: false, rule: "MAX_ORDER_NOTIONAL" });
    // Clearing the override through A removes it on B too (a reload replaces, never only merges).
    await a.call(Subjects.riskSetLimits, { account: "acc", clear: true, limits: {} });
    await eventually(() => expect(b.service.engine.limits.view("acc").limits).toBeNull());
    await a.call(Subjects.riskSetState, { state: "HALTED", reason: "desk" });
    await eventually(() => expect(b.service.engine.status().state).toBe("HALTED"));
    expect((await b.check("b3", "1")).approved).toBe(false);
    // Only the settings are announced: day baselines (saved at start and as prices move) are each replica's own.
    expect(await documents.findByName(SETTINGS_COLLECTION, "day-baselines")).not.toBeNull();
    expect(new Set(announced)).toEqual(new Set(["settings"]));
  });
});

const mongoUrl = serverUrl("MONGO_URL");
const natsUrl = serverUrl("NATS_URL");
const kafkaBrokers = serverUrl("KAFKA_BROKERS");

/** The stack's buses: Kafka (compose's default) and NATS JetStream, each on its own connection per replica. */
const buses: Array<{
  name: string;
  url: string | undefined;
  open: () => Promise<Runtime["bus"] & { close(): Promise<void> }>;
}> = [
  {
    name: "NATS JetStream",
    url: natsUrl,
    open: async () => {
      const { connectNats, JetStreamEventBus } = await import("@jts/kit/nats");
      return JetStreamEventBus.create(await connectNats(natsUrl as string, "risk-documents-test"), {
        stream: "JTS_RISK_DOCS_TEST",
        prefix: "jtsriskdocs",
        ownsConnection: true,
      });
    },
  },
  {
    name: "Kafka",
    url: kafkaBrokers,
    open: async () => {
      const { KafkaEventBus } = await import("@jts/kit/kafka");
      return KafkaEventBus.create({ brokers: (kafkaBrokers as string).split(","), namespace: "riskdocs.", topics: [] });
    },
  },
];

describe("risk limits in MongoDB across two replicas on the real servers", () => {
  for (const bus of buses) {
    const ready = Boolean(mongoUrl && bus.url);
    it.skipIf(!ready)(
      `sees a limit set through one replica on the other over ${bus.name}, and loads it after a restart${ready ? "" : ` (skipped: MONGO_URL or the ${bus.name} URL not set)`}`,
      async () => {
        const { MongoDocumentStore } = await import("@jts/kit/mongo");
        const database = `jts_risk_test_${Date.now()}`;
        const open = async () => {
          const documents = await MongoDocumentStore.connect(mongoUrl as string, database);
          const events = await bus.open();
          stops.push(async () => {
            await documents.close();
            await events.close();
          });
          return replica(documents, events);
        };
        const a = await open();
        const b = await open();
        await a.call(Subjects.riskSetLimits, { account: "acc", limits: { maxOrderNotional: "500000" } });
        await eventually(
          () => expect(b.service.engine.limits.view("acc").limits).toEqual({ maxOrderNotional: "500000" }),
          20_000,
        );
        expect(await b.check("b1")).toMatchObject({ approved: false, rule: "MAX_ORDER_NOTIONAL" });
        const c = await open(); // a restart: reads the limit from MongoDB
        expect(await c.check("c1")).toMatchObject({ approved: false, rule: "MAX_ORDER_NOTIONAL" });
      },
      60_000,
    );
  }
});
