import type { BucketSpec, RateDecision, RateLimiter } from "@jts/contracts";
import type Redis from "ioredis";

/**
 * All buckets of a key checked and taken in one atomic script, with Redis's
 * own clock, so every replica sees the same tokens. KEYS: one hash per bucket
 * (tokens, at). ARGV: weight, then capacity and refill-per-second per bucket.
 * Returns {allowed, remaining, limit, retryAfterMs} of the tightest bucket.
 */
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local weight = tonumber(ARGV[1])
local levels = {}
local retry = 0
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = capacity
  if state[1] then
    tokens = math.min(capacity, tonumber(state[1]) + (now - tonumber(state[2])) / 1000 * rate)
  end
  if tokens < weight then
    local wait = 9007199254740991
    if weight <= capacity and rate > 0 then wait = math.ceil((weight - tokens) / rate * 1000) end
    if wait > retry then retry = wait end
  end
  levels[i] = { key, capacity, rate, tokens }
end
local tightestShare = 2
local remaining = 0
local limit = 0
for _, level in ipairs(levels) do
  local tokens = level[4]
  if retry == 0 then tokens = tokens - weight end
  redis.call('HSET', level[1], 'tokens', tostring(tokens), 'at', now)
  -- Keep a bucket until it would be full again, then let it expire.
  local ttl = 1000
  if level[3] > 0 then ttl = math.ceil((level[2] - tokens) / level[3] * 1000) + 1000 end
  redis.call('PEXPIRE', level[1], ttl)
  local share = tokens / level[2]
  if share < tightestShare then tightestShare = share; remaining = math.floor(tokens); limit = level[2] end
end
if retry == 0 then return {1, remaining, limit, 0} end
return {0, math.max(0, remaining), limit, retry}`;

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "jts:rl:",
  ) {}

  async take(key: string, buckets: readonly BucketSpec[], weight = 1): Promise<RateDecision> {
    const keys = buckets.map((b) => `${this.prefix}${key}:${b.name}`);
    const args = [String(weight), ...buckets.flatMap((b) => [String(b.capacity), String(b.refillPerSecond)])];
    const [allowed, remaining, limit, retryAfterMs] = (await this.redis.eval(
      TAKE_SCRIPT,
      keys.length,
      ...keys,
      ...args,
    )) as number[];
    return {
      allowed: allowed === 1,
      remaining: Math.max(0, remaining ?? 0),
      limit: limit ?? 0,
      retryAfterMs: retryAfterMs ?? 0,
    };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
