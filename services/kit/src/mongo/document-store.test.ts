import { it } from "bun:test";
import { documentStoreContract } from "../testing/document-store-contract.ts";
import { serverUrl } from "../testing/servers.ts";
import { MongoDocumentStore } from "./document-store.ts";

const url = serverUrl("MONGO_URL");

if (url) documentStoreContract("mongodb", () => MongoDocumentStore.connect(url, `jts_test_${Date.now()}`));
else it.skip("DocumentStore contract: mongodb (MONGO_URL not set)", () => {});
