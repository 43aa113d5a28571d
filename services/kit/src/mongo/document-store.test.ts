import { it } from "bun:test";
import { MongoClient } from "mongodb";
import { documentStoreContract } from "../testing/document-store-contract.ts";
import { serverUrl } from "../testing/servers.ts";
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
  documentStoreContract("mongodb", () => MongoDocumentStore.connect(url, `jts_test_${Date.now()}`), {
    concurrentWritersUnsupported: ferret ? "FerretDB v1 does not make conditional updates atomic" : undefined,
  });
} else it.skip("DocumentStore contract: mongodb (MONGO_URL not set)", () => {});
