import { rateLimiterContract } from "../testing/rate-limiter-contract.ts";
import { MemoryRateLimiter } from "./memory.ts";

rateLimiterContract("memory", async () => new MemoryRateLimiter());
