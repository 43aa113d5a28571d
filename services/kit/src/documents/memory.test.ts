import { documentStoreContract } from "../testing/document-store-contract.ts";
import { MemoryDocumentStore } from "./memory.ts";

documentStoreContract("memory", async () => new MemoryDocumentStore(), {
  changeFeedUnsupported: "the in-memory store lives in one process; replicas follow the bus",
});
