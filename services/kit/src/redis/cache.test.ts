import { it } from "bun:test";
import { cacheContract } from "../testing/cache-contract.ts";
import { serverUrl } from "../testing/servers.ts";
import { RedisCache } from "./cache.ts";
import { connectRedis } from "./connect.ts";

const url = serverUrl("REDIS_URL");

if (url) cacheContract("redis", async () => new RedisCache(connectRedis(url, "cache-contract"), `test:${Date.now()}:`));
else it.skip("Cache contract: redis (REDIS_URL not set)", () => {});
