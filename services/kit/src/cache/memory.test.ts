import { cacheContract } from "../testing/cache-contract.ts";
import { MemoryCache } from "./memory.ts";

cacheContract("memory", async () => new MemoryCache());
