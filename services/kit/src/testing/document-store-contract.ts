import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { DocumentChange, DocumentStore } from "@jts/contracts";
import { t } from "elysia";
import { AnnouncingDocumentStore, followDocuments } from "../documents/changes.ts";
import { readDocuments } from "../documents/read.ts";
import { AppError } from "../errors.ts";
import { MemoryEventBus } from "../events/memory.ts";
import { compile } from "../validate.ts";
import { eventually } from "./eventually.ts";
import { silentLogger } from "./logger.ts";

/** The one suite every DocumentStore adapter passes (in-memory, PostgreSQL JSONB, MongoDB). */
export interface DocumentStoreContractOptions {
  /** Why this server cannot run the concurrent-writers test, if it cannot (said in the test name). */
  concurrentWritersUnsupported?: string;
  /**
   * A second store on the same data (another replica's connection); the same
   * store where there is no other (in-memory).
   */
  connectPeer?: (store: DocumentStore) => Promise<DocumentStore>;
  /** Why this server has no change feed (`watch`), if it has none (said in the test name). */
  changeFeedUnsupported?: string;
}

const Rule = compile(t.Object({ channel: t.String() }));

export function documentStoreContract(
  name: string,
  createStore: () => Promise<DocumentStore>,
  options: DocumentStoreContractOptions = {},
) {
  describe(`DocumentStore contract: ${name}`, () => {
    let store: DocumentStore;
    let c: string;
    beforeEach(async () => {
      store = await createStore();
      c = `c${Math.random().toString(36).slice(2, 8)}`;
    });
    afterEach(async () => {
      await store.close();
    });

    const conflict = async (work: Promise<unknown>) => {
      const error = await work.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("CONFLICT");
    };

    it("creates version 1 and reads it back by id and by name", async () => {
      const doc = await store.create(c, "ma-fast", { fast: 5, slow: 20, nested: { on: true } });
      expect(doc).toMatchObject({ name: "ma-fast", version: 1, body: { fast: 5, slow: 20, nested: { on: true } } });
      expect(await store.get(c, doc.id)).toEqual(doc);
      expect(await store.findByName(c, "ma-fast")).toEqual(doc);
      expect(await store.get(c, "missing")).toBeNull();
    });

    it("refuses a second document with the same name in a collection, not in another", async () => {
      await store.create(c, "settings", { a: 1 });
      await conflict(store.create(c, "settings", { a: 2 }));
      expect((await store.create(`${c}x`, "settings", { a: 3 })).version).toBe(1);
    });

    it("bumps the version on update and refuses a stale version", async () => {
      const doc = await store.create(c, "rules", { channel: "email" });
      const updated = await store.update(c, doc.id, 1, { channel: "telegram" });
      expect(updated).toMatchObject({ version: 2, body: { channel: "telegram" } });
      await conflict(store.update(c, doc.id, 1, { channel: "sms" }));
      expect((await store.get(c, doc.id))?.body).toEqual({ channel: "telegram" });
    });

    it("keeps no reference to a written body or a read document", async () => {
      const body = { list: ["a"], nested: { n: 1 } };
      const created = await store.create(c, "copied", body);
      body.list.push("edited after create");
      created.body.nested.n = 99;
      const read = await store.get<typeof body>(c, created.id);
      expect(read?.body).toEqual({ list: ["a"], nested: { n: 1 } });
      if (read) read.body.list.push("edited after read");
      const next = { list: ["b"], nested: { n: 2 } };
      await store.update(c, created.id, 1, next);
      next.nested.n = 42;
      expect((await store.findByName(c, "copied"))?.body).toEqual({ list: ["b"], nested: { n: 2 } });
    });

    it("stores a body as it was when the write was called, and refuses one JSON cannot carry", async () => {
      const body = { fillIds: ["f1"], quantity: 1 };
      const creating = store.create(c, "at-call", body);
      body.fillIds.push("edited before the create settled");
      const created = await creating;
      const next = { fillIds: ["f1", "f2"], quantity: 2 };
      const updating = store.update(c, created.id, 1, next);
      next.fillIds.push("edited before the update settled");
      next.quantity = 3;
      await updating;
      expect((await store.get(c, created.id))?.body).toEqual({ fillIds: ["f1", "f2"], quantity: 2 });
      const refused = await store.create(c, "no-json", undefined).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AppError);
      expect(await store.findByName(c, "no-json")).toBeNull();
    });

    const unsupported = options.concurrentWritersUnsupported;
    it.skipIf(unsupported !== undefined)(
      `lets exactly one of two concurrent writers of the same version win${unsupported ? ` (skipped: ${unsupported})` : ""}`,
      async () => {
        const doc = await store.create(c, "race", { n: 0 });
        const results = await Promise.allSettled([
          store.update(c, doc.id, 1, { n: 1 }),
          store.update(c, doc.id, 1, { n: 2 }),
        ]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        expect((await store.get(c, doc.id))?.version).toBe(2);
      },
    );

    it("announces every write on the bus, and a follower on another connection reads the new version", async () => {
      const peer = await (options.connectPeer ?? (async (s) => s))(store);
      const bus = new MemoryEventBus();
      const writer = new AnnouncingDocumentStore(store, bus, "replica-a", silentLogger);
      const seen: Array<{ change: DocumentChange; read: number | null }> = [];
      const follow = (source: string) =>
        followDocuments(bus, peer, c, { source, logger: silentLogger }, async (change) => {
          seen.push({ change, read: (await peer.get(c, change.id))?.version ?? null });
        });
      const other = await follow("replica-b");
      const own = await follow("replica-a"); // the writer's own follower skips its announcements
      const doc = await writer.create(c, "rules", { channel: "email" });
      await eventually(() => expect(seen.map((s) => s.read)).toEqual([1]));
      await writer.update(c, doc.id, 1, { channel: "telegram" });
      await eventually(() => expect(seen.map((s) => s.read)).toEqual([1, 2]));
      await writer.create(`${c}x`, "elsewhere", {}); // another collection: not this follower's
      await writer.delete(c, doc.id, 2);
      await eventually(() => expect(seen.map((s) => s.read)).toEqual([1, 2, null]));
      expect(seen.map((s) => [s.change.id, s.change.name, s.change.version, s.change.source])).toEqual([
        [doc.id, "rules", 1, "replica-a"],
        [doc.id, "rules", 2, "replica-a"],
        [doc.id, "rules", null, "replica-a"],
      ]);
      await other.unsubscribe();
      await own.unsubscribe();
      if (peer !== store) await peer.close();
    });

    const noFeed = options.changeFeedUnsupported;
    it.skipIf(noFeed !== undefined)(
      `reports a write made on another connection through its change feed${noFeed ? ` (skipped: ${noFeed})` : ""}`,
      async () => {
        const peer = await (options.connectPeer ?? (async (s) => s))(store);
        const changes: DocumentChange[] = [];
        const feed = await store.watch?.(c, (change) => changes.push(change));
        expect(feed).toBeTruthy();
        const doc = await peer.create(c, "hand-made", { channel: "sms" });
        await eventually(() => expect(changes.map((x) => [x.id, x.version])).toEqual([[doc.id, 1]]));
        await feed?.unsubscribe();
        if (peer !== store) await peer.close();
      },
    );

    it("reads a collection, reporting a document whose body fails the schema by id and keeping the rest", async () => {
      const good = await store.create(c, "good", { channel: "email" });
      const bad = await store.create(c, "bad", { channel: 42 });
      const read = await readDocuments(store, c, Rule);
      expect(read.documents.map((d) => d.id)).toEqual([good.id]);
      expect(read.unreadable).toEqual([
        { collection: c, id: bad.id, name: "bad", why: expect.stringContaining("/channel") },
      ]);
    });

    it("lists a collection by name and deletes with the current version only", async () => {
      const b = await store.create(c, "b", {});
      await store.create(c, "a", {});
      expect((await store.list(c)).map((d) => d.name)).toEqual(["a", "b"]);
      await conflict(store.delete(c, b.id, 7));
      await store.delete(c, b.id, 1);
      expect((await store.list(c)).map((d) => d.name)).toEqual(["a"]);
    });
  });
}
