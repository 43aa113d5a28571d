import { afterEach, describe, expect, it } from "bun:test";
import { MemoryDocumentStore, MemoryEventBus, memoryRuntime, serviceAuthHeaders } from "@jts/kit";
import { eventually, readJson, silentLogger } from "@jts/kit/testing";
import { defaultStrategies } from "./defaults.ts";
import { STRATEGY_COLLECTION } from "./definitions.ts";
import { createStrategyService } from "./service.ts";

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function instance(documents: MemoryDocumentStore, bus = new MemoryEventBus()) {
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
});
