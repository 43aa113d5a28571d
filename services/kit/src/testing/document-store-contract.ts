import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { DocumentStore } from "@jts/contracts";
import { AppError } from "../errors.ts";

/** The one suite every DocumentStore adapter passes (in-memory, PostgreSQL JSONB, MongoDB). */
export interface DocumentStoreContractOptions {
  /** Why this server cannot run the concurrent-writers test, if it cannot (said in the test name). */
  concurrentWritersUnsupported?: string;
}

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
