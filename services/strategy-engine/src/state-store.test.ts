import { describe, expect, it } from "bun:test";
import { MemoryDocumentStore } from "@jts/kit";
import type { RunnerState } from "./sdk/runner.ts";
import { STRATEGY_STATE_COLLECTION, StrategyStateStore } from "./state-store.ts";

const state = (sequence: number): RunnerState => ({
  pnl: { position: "0", averagePrice: "0", realized: "0", fees: "0", lastPrice: null } as unknown as RunnerState["pnl"],
  strategy: { window: [1, 2, 3] },
  sequence,
  lastOrderNs: null,
  signals: sequence,
  ordersSent: sequence,
});

describe("strategy state store", () => {
  it("saves repeatedly by its last written version and loads the latest", async () => {
    const documents = new MemoryDocumentStore();
    const store = new StrategyStateStore(documents);
    for (let i = 1; i <= 3; i++) await store.save("ma-1", state(i));
    expect((await store.load("ma-1"))?.sequence).toBe(3);
    expect((await documents.findByName(STRATEGY_STATE_COLLECTION, "ma-1"))?.version).toBe(3);
  });

  it("still saves after another writer changed or deleted the document", async () => {
    const documents = new MemoryDocumentStore();
    const store = new StrategyStateStore(documents);
    await store.save("ma-1", state(1));
    const doc = await documents.findByName(STRATEGY_STATE_COLLECTION, "ma-1");
    await documents.update(STRATEGY_STATE_COLLECTION, doc?.id as string, doc?.version as number, state(7));
    await store.save("ma-1", state(2));
    expect((await store.load("ma-1"))?.sequence).toBe(2);
    const again = await documents.findByName(STRATEGY_STATE_COLLECTION, "ma-1");
    await documents.delete(STRATEGY_STATE_COLLECTION, again?.id as string, again?.version as number);
    await store.save("ma-1", state(3));
    expect((await store.load("ma-1"))?.sequence).toBe(3);
  });
});
