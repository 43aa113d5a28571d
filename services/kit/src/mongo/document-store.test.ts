import { describe, expect, it } from "bun:test";
import { t } from "elysia";
import { MongoClient } from "mongodb";
import { readDocuments } from "../documents/read.ts";
import { documentStoreContract } from "../testing/document-store-contract.ts";
import { serverUrl } from "../testing/servers.ts";
import { compile } from "../validate.ts";
import { MongoDocumentStore } from "./document-store.ts";

const url = serverUrl("MONGO_URL");

/** FerretDB answers buildInfo with its own version field. */
async function isFerretDb(mongoUrl: string): Promise<boolean> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5000 });
  try {
    const info = await client.db("admin").command({ buildInfo: 1 });
    return "ferretdbVersion" in info;
  } finally {
    await client.close();
  }
}

if (url) {
  // FerretDB v1 applies a conditional update as read-then-write, so two writers
  // of one version can both succeed there; MongoDB makes it atomic.
  const ferret = await isFerretDb(url);
  const database = `jts_test_${Date.now()}`;
  documentStoreContract("mongodb", () => MongoDocumentStore.connect(url, database), {
    concurrentWritersUnsupported: ferret ? "FerretDB v1 does not make conditional updates atomic" : undefined,
    connectPeer: () => MongoDocumentStore.connect(url, database),
    // FerretDB answers $changeStream with "not implemented"; MongoDB has change streams on a replica set.
    changeFeedUnsupported: ferret ? "FerretDB has no change streams" : undefined,
  });

  describe("MongoDocumentStore change feed", () => {
    it.skipIf(!ferret)(
      `answers no change feed on FerretDB, so replicas follow the bus alone${ferret ? "" : " (skipped: the server is MongoDB)"}`,
      async () => {
        const store = await MongoDocumentStore.connect(url, database);
        try {
          expect(await store.watch("feed", () => {})).toBeNull();
        } finally {
          await store.close();
        }
      },
    );
  });

  describe("MongoDocumentStore on hand-edited rows", () => {
    it("reports a row with a broken envelope or body by id and keeps the rest", async () => {
      const store = await MongoDocumentStore.connect(url, database);
      const raw = new MongoClient(url);
      try {
        const good = await store.create("hand-edited", "good", { channel: "email" });
        const rows = raw.db(database).collection<{ _id: string }>("hand-edited");
        await rows.insertOne({ _id: "no-version", name: "no-version", body: { channel: "email" } } as never);
        await rows.insertOne({ _id: "bad-body", name: "bad-body", version: 1, body: "garbage" } as never);
        const read = await readDocuments(store, "hand-edited", compile(t.Object({ channel: t.String() })));
        expect(read.documents.map((d) => d.id)).toEqual([good.id]);
        expect(read.unreadable.map((d) => [d.id, d.why.split(":")[0]])).toEqual([
          ["bad-body", "invalid input"],
          ["no-version", "its version is not a positive integer"],
        ]);
      } finally {
        await raw.close();
        await store.close();
      }
    });
  });
} else it.skip("DocumentStore contract: mongodb (MONGO_URL not set)", () => {});
