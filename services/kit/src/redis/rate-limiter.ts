import { type BucketSpec, isWindow, type RateDecision, type RateLimiter } from "@jts/contracts";
import type Redis from "ioredis";

/**
 * Every bucket of a call checked and taken in one atomic script, on Redis's
 * own clock, so all replicas share exact counts. KEYS: one per bucket (a hash
 * {tokens, at} for a token bucket, a sorted set of call times for a sliding
 * window). ARGV: weight, then per bucket its kind ("t" or "w") and two
 * numbers (capacity and refill per second, or limit and window ms).
 * Returns {allowed, remaining, limit, retryAfterMs} of the tightest bucket.
 */
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local weight = tonumber(ARGV[1])
local never = 9007199254740991
local levels = {}
local retry = 0
for i, key in ipairs(KEYS) do
  local kind = ARGV[3 * i - 1]
  local a = tonumber(ARGV[3 * i])
  local b = tonumber(ARGV[3 * i + 1])
  local free
  local wait = 0
  if kind == 'w' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - b)
    free = a - redis.call('ZCARD', key)
    if free < weight then
      wait = never
      if weight <= a then
        -- the (weight - free)-th oldest call has to leave the window first
        local entry = redis.call('ZRANGE', key, weight - free - 1, weight - free - 1, 'WITHSCORES')
        if entry[2] then wait = math.max(1, tonumber(entry[2]) + b - now) end
      end
    end
  else
    local state = redis.call('HMGET', key, 'tokens', 'at')
    free = a
    if state[1] then free = math.min(a, tonumber(state[1]) + (now - tonumber(state[2])) / 1000 * b) end
    if free < weight then
      wait = never
      if weight <= a and b > 0 then wait = math.ceil((weight - free) / b * 1000) end
    end
  end
  if wait > retry then retry = wait end
  levels[i] = { kind, key, a, b, free }
end
local tightestShare = 2
local remaining = 0
local limit = 0
for _, level in ipairs(levels) do
  local kind, key, a, b, free = level[1], level[2], level[3], level[4], level[5]
  if retry == 0 then free = free - weight end
  if kind == 'w' then
    if retry == 0 then
      local used = a - free
      for j = 1, weight do redis.call('ZADD', key, now, now .. ':' .. used .. ':' .. j) end
    end
    redis.call('PEXPIRE', key, b + 1000)
  else
    redis.call('HSET', key, 'tokens', tostring(free), 'at', now)
    -- Keep a bucket until it would be full again, then let it expire.
    local ttl = 1000
    if b > 0 then ttl = math.ceil((a - free) / b * 1000) + 1000 end
    redis.call('PEXPIRE', key, ttl)
  end
  local share = free / a
  if share < tightestShare then tightestShare = share; remaining = math.floor(free); limit = a end
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
    const args = [
      String(weight),
      ...buckets.flatMap((b) =>
        isWindow(b) ? ["w", String(b.limit), String(b.windowMs)] : ["t", String(b.capacity), String(b.refillPerSecond)],
      ),
    ];
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
