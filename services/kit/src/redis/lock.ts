import type { Lock, LockGrant } from "@jts/contracts";
import type Redis from "ioredis";
import { lockTtl } from "../lock/memory.ts";

// KEYS[1]: the lease, a hash {owner, token} with a PX ttl. KEYS[2]: the fencing
// counter, never expiring, so tokens keep rising across expiry and release.
// ARGV: owner, ttl ms. Returns {acquired, token or 0, holder}.
const ACQUIRE_SCRIPT = `
local holder = redis.call('HGET', KEYS[1], 'owner')
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, tonumber(redis.call('HGET', KEYS[1], 'token')), holder}
end
if holder then return {0, 0, holder} end
local token = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', token)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, token, ARGV[1]}`;

// An expired lease is gone (HGET answers nil), so a lapsed holder cannot renew
// or release what someone else may hold by now. ARGV: owner, token[, ttl ms].
const HELD = `
redis.call('HGET', KEYS[1], 'owner') == ARGV[1] and redis.call('HGET', KEYS[1], 'token') == ARGV[2]`;
const RENEW_SCRIPT = `if ${HELD} then return redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 0`;
const RELEASE_SCRIPT = `if ${HELD} then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * The locks port on Redis: one lease per name shared by every process using
 * the server, each step one atomic script with Redis's own clock for expiry.
 * Both keys of a name share a hash tag, so they live in one Redis Cluster slot.
 */
export class RedisLock implements Lock {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "jts:lock:",
  ) {}

  async acquire(name: string, owner: string, ttlMs: number): Promise<LockGrant> {
    const ttl = String(lockTtl(ttlMs));
    const [acquired, token, holder] = (await this.redis.eval(ACQUIRE_SCRIPT, 2, ...this.keys(name), owner, ttl)) as [
      number,
      number,
      string,
    ];
    return acquired === 1 ? { acquired: true, token, holder } : { acquired: false, token: null, holder };
  }

  async renew(name: string, owner: string, token: number, ttlMs: number): Promise<boolean> {
    const ttl = String(lockTtl(ttlMs));
    return (await this.redis.eval(RENEW_SCRIPT, 1, this.keys(name)[0], owner, String(token), ttl)) === 1;
  }

  async release(name: string, owner: string, token: number): Promise<boolean> {
    return (await this.redis.eval(RELEASE_SCRIPT, 1, this.keys(name)[0], owner, String(token))) === 1;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private keys(name: string): [lease: string, fence: string] {
    const base = `${this.prefix}{${name}}`;
    return [`${base}:lease`, `${base}:fence`];
  }
}
