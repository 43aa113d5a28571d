export { RedisCache } from "./cache.ts";
export { connectRedis, redisReady } from "./connect.ts";
export { RedisRateLimiter } from "./rate-limiter.ts";
