import { it } from "bun:test";
import { rateLimiterContract } from "../testing/rate-limiter-contract.ts";
import { serverUrl } from "../testing/servers.ts";
import { connectRedis } from "./connect.ts";
import { RedisRateLimiter } from "./rate-limiter.ts";

const url = serverUrl("REDIS_URL");

if (url)
  rateLimiterContract(
    "redis",
    async () => new RedisRateLimiter(connectRedis(url, "rate-contract"), `test:rl:${Date.now()}:`),
  );
else it.skip("RateLimiter contract: redis (REDIS_URL not set)", () => {});
