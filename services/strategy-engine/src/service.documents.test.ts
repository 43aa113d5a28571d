import { afterEach, describe, expect, it } from "bun:test";
import type { DocumentChange, DocumentStore } from "@jts/contracts";
import { MemoryDocumentStore, MemoryEventBus, memoryRuntime, serviceAuthHeaders } from "@jts/kit";
import { eventually, readJson, silentLogger } from "@jts/kit/testing";
import { defaultStrategies } from "./defaults.ts";
import { STRATEGY_COLLECTION } from "./definitions.ts";
import { createStrategyService } from "./service.ts";

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function instance(documents: DocumentStore, bus = new MemoryEventBus()) {
  const service = createStrategyService(
    { ...memoryRuntime(silentLogger), bus },
    { strategies: defaultStrategies("acc"), documents },
  );
  await service.start();
  stops.push(() => service.stop());
  return service;
}

describe("strategy definitions in the document store (issue 19)", () => {
  it("follows a strategy stopped and retuned through another engine instance", async () => {
    const documents = new MemoryDocumentStore();
    const bus = new MemoryEventBus();
    const a = await instance(documents, bus);
    const b = await instance(documents, bus);
    const post = (path: string, init: RequestInit = {}) =>
      a.app.handle(new Request(`http://localhost${path}`, { method: "POST", headers: serviceAuthHeaders(), ...init }));
    expect((await post("/strategies/ma-BTC-KRW/stop")).status).toBe(200);
    const params = {
      ...(a.engine.list().find((s) => s.config.id === "ma-ETH-KRW")?.config.params ?? {}),
      fastPeriod: 3,
    };
    const put = await a.app.handle(
      new Request("http://localhost/strategies/ma-ETH-KRW/params", {
        method: "PUT",
        headers: { ...serviceAuthHeaders(), "content-type": "application/json" },
        body: JSON.stringify({ params }),
      }),
    );
    expect(put.status).toBe(200);
    await eventually(() => {
      const byId = Object.fromEntries(b.engine.list().map((s) => [s.config.id, s]));
      expect(byId["ma-BTC-KRW"]?.running).toBe(false);
      expect(byId["ma-ETH-KRW"]?.config.params).toMatchObject({ fastPeriod: 3 });
    });
  });

  it("skips a hand-edited definition, names it in /ready, and runs the rest", async () => {
    const documents = new MemoryDocumentStore();
    const seeded = await instance(documents);
    await seeded.stop();
    stops.splice(0);
    const bad = await documents.findByName(STRATEGY_COLLECTION, "ma-ETH-KRW");
    if (!bad) throw new Error("not seeded");
    await documents.update(STRATEGY_COLLECTION, bad.id, bad.version, { id: "ma-ETH-KRW", kind: 7 });

    const service = await instance(documents);
    expect(service.engine.list().map((s) => s.config.id)).toEqual(["ma-005930", "ma-BTC-KRW"]);
    const ready = await service.app.handle(new Request("http://localhost/ready"));
    expect(ready.status).toBe(503);
    expect(((await readJson(ready)) as { reasons: Record<string, string> }).reasons.definitions).toContain(
      `collection strategies has unreadable documents: ${bad.id}`,
    );
  });

  it("never applies an older read of a definition after a newer one (change feed events handled at once)", async () => {
    const documents = new MemoryDocumentStore();
    // B's view of the store: a change feed the test drives, and a read the test can slow down.
    let feed: ((change: DocumentChange) => void) | null = null;
    let slowNext = false;
    const view: DocumentStore = {
      create: (c, n, body) => documents.create(c, n, body),
      update: (c, i, v, body) => documents.update(c, i, v, body),
      delete: (c, i, v) => documents.delete(c, i, v),
      findByName: (c, n) => documents.findByName(c, n),
      list: (c) => documents.list(c),
      close: async () => {},
      get: async <Body>(c: string, i: string) => {
        const doc = await documents.get<Body>(c, i);
        if (slowNext) {
          slowNext = false;
          await Bun.sleep(50); // read before the stop below, answered after it
        }
        return doc;
      },
      watch: async (_collection, onChange) => {
        feed = onChange;
        return { unsubscribe: async () => {} };
      },
    };
    const b = await instance(view);
    const running = () => b.engine.list().find((s) => s.config.id === "ma-BTC-KRW")?.running;
    expect(running()).toBe(true);
    const doc = await documents.findByName<Record<string, unknown>>(STRATEGY_COLLECTION, "ma-BTC-KRW");
    if (!doc || !feed) throw new Error("not seeded");
    const change = (version: number): DocumentChange => ({
      collection: STRATEGY_COLLECTION,
      id: doc.id,
      name: doc.name,
      version,
      source: "change-stream",
    });
    const notify = feed as (change: DocumentChange) => void;
    // A retune (still running) is read slowly; the stop after it is read at once.
    const retuned = await documents.update(STRATEGY_COLLECTION, doc.id, doc.version, { ...doc.body });
    slowNext = true;
    notify(change(retuned.version));
    const stopped = await documents.update(STRATEGY_COLLECTION, doc.id, retuned.version, {
      ...doc.body,
      enabled: false,
    });
    notify(change(stopped.version));
    await eventually(() => expect(running()).toBe(false));
    await Bun.sleep(100); // the slow, older read has landed by now
    expect(running()).toBe(false);
  });
});
