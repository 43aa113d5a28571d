import { lockContract } from "../testing/lock-contract.ts";
import { MemoryLock } from "./memory.ts";

lockContract("memory", async () => new MemoryLock());
