import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { t } from "elysia";
import { readDocuments } from "../documents/read.ts";
import { documentStoreContract } from "../testing/document-store-contract.ts";
import { compile } from "../validate.ts";
import { PostgresDocumentStore } from "./document-store.ts";
import { startTestPostgres, type TestPostgres } from "./testing.ts";

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
});
afterAll(async () => {
  await pg.stop();
});

// Each test draws a fresh collection name, so the tests need no truncation.
documentStoreContract("postgres jsonb", async () => new PostgresDocumentStore(pg.sql), {
  connectPeer: async () => PostgresDocumentStore.connect(pg.url, { max: 2 }),
  changeFeedUnsupported: "PostgreSQL JSONB has no change feed here; replicas follow the bus",
});

describe("PostgresDocumentStore", () => {
  it("keeps JSON types through JSONB and leaves a borrowed pool open on close", async () => {
    const store = new PostgresDocumentStore(pg.sql);
    const body = { n: 1.5, big: "12345678901234567890", list: [1, "two", null, { deep: true }], empty: {} };
    const doc = await store.create("types", "all", body);
    await store.close();
    expect((await new PostgresDocumentStore(pg.sql).get("types", doc.id))?.body).toEqual(body);
    expect(doc.updatedAt).toMatch(/^\d{19}$/);
  });

  it("says not found for a write to a missing document", async () => {
    const store = new PostgresDocumentStore(pg.sql);
    const error = await store.update("types", "missing", 1, {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NOT_FOUND" });
    expect(await store.delete("types", "missing", 1).catch((e: unknown) => e)).toMatchObject({ code: "NOT_FOUND" });
  });

  it("lets one of many concurrent creators of a name win", async () => {
    const store = new PostgresDocumentStore(pg.sql);
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.create("race", "only", { i })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => (r.reason as { code: string }).code)).toEqual(
      Array(7).fill("CONFLICT"),
    );
  });

  it("lets exactly one of many concurrent writers of one version win, each on its own connection", async () => {
    const store = new PostgresDocumentStore(pg.sql);
    const doc = await store.create("race", "many", { n: 0 });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, n) => store.update("race", doc.id, 1, { n })),
    );
    const winners = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(winners).toHaveLength(1);
    expect(await store.get("race", doc.id)).toEqual(winners[0] ?? null);
  });

  it("reports a body hand-edited in SQL by id and keeps the rest", async () => {
    const store = new PostgresDocumentStore(pg.sql);
    const good = await store.create("hand-edited", "good", { channel: "email" });
    const bad = await store.create("hand-edited", "bad", { channel: "email" });
    await pg.sql`UPDATE documents SET body = '[1, 2]'::jsonb WHERE collection = 'hand-edited' AND id = ${bad.id}`;
    const read = await readDocuments(store, "hand-edited", compile(t.Object({ channel: t.String() })));
    expect(read.documents.map((d) => d.id)).toEqual([good.id]);
    expect(read.unreadable.map((d) => d.id)).toEqual([bad.id]);
  });

  it("owns and ends its pool when it connected itself", async () => {
    const store = PostgresDocumentStore.connect(pg.url, { max: 2 });
    const doc = await store.create("owned", "x", { ok: true });
    expect((await store.findByName("owned", "x"))?.id).toBe(doc.id);
    await store.close();
    await expect(store.list("owned")).rejects.toThrow();
  });
});
