export { RedisCache } from "./cache.ts";
export { connectRedis, redisReady } from "./connect.ts";
export { RedisLock } from "./lock.ts";
export { RedisRateLimiter } from "./rate-limiter.ts";
