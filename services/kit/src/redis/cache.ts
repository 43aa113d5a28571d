import type { Cache } from "@jts/contracts";
import type Redis from "ioredis";

// EXISTS before INCRBY so the ttl is set only when the counter is created,
// in one atomic step; a later increment never extends the window.
const INCREMENT_SCRIPT = `
local existed = redis.call('EXISTS', KEYS[1])
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`;

/** The cache port on Redis: shared by every process and replica that uses the same server. */
export class RedisCache implements Cache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "jts:",
  ) {}

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.prefix + key);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) await this.redis.set(this.prefix + key, value);
    else await this.redis.set(this.prefix + key, value, "PX", Math.max(1, Math.round(ttlMs)));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const result =
      ttlMs === undefined
        ? await this.redis.set(this.prefix + key, value, "NX")
        : await this.redis.set(this.prefix + key, value, "PX", Math.max(1, Math.round(ttlMs)), "NX");
    return result === "OK";
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(this.prefix + key)) > 0;
  }

  async increment(key: string, by = 1, ttlMs?: number): Promise<number> {
    const ttl = ttlMs === undefined ? "" : String(Math.max(1, Math.round(ttlMs)));
    return Number(await this.redis.eval(INCREMENT_SCRIPT, 1, this.prefix + key, String(by), ttl));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
