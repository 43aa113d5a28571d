import type { Lock, LockGrant } from "@jts/contracts";
import { badRequest } from "../errors.ts";

interface Lease {
  owner: string;
  token: number;
  expiresAt: number;
}

/** In-process locks for `just dev` and tests: one process, so one holder per name by construction. */
export class MemoryLock implements Lock {
  private readonly leases = new Map<string, Lease>();
  // Kept after release and expiry, so a token is never handed out twice.
  private readonly fences = new Map<string, number>();

  async acquire(name: string, owner: string, ttlMs: number): Promise<LockGrant> {
    const ttl = lockTtl(ttlMs);
    const lease = this.live(name);
    if (lease && lease.owner !== owner) return { acquired: false, token: null, holder: lease.owner };
    if (lease) {
      lease.expiresAt = Date.now() + ttl;
      return { acquired: true, token: lease.token, holder: owner };
    }
    const token = (this.fences.get(name) ?? 0) + 1;
    this.fences.set(name, token);
    this.leases.set(name, { owner, token, expiresAt: Date.now() + ttl });
    return { acquired: true, token, holder: owner };
  }

  async renew(name: string, owner: string, token: number, ttlMs: number): Promise<boolean> {
    const ttl = lockTtl(ttlMs);
    const lease = this.held(name, owner, token);
    if (lease) lease.expiresAt = Date.now() + ttl;
    return lease !== undefined;
  }

  async release(name: string, owner: string, token: number): Promise<boolean> {
    if (!this.held(name, owner, token)) return false;
    this.leases.delete(name);
    return true;
  }

  async close(): Promise<void> {
    this.leases.clear();
  }

  private held(name: string, owner: string, token: number): Lease | undefined {
    const lease = this.live(name);
    return lease && lease.owner === owner && lease.token === token ? lease : undefined;
  }

  private live(name: string): Lease | undefined {
    const lease = this.leases.get(name);
    if (lease && lease.expiresAt <= Date.now()) {
      this.leases.delete(name);
      return undefined;
    }
    return lease;
  }
}

/** Whole milliseconds, at least 1; a lease without an end would outlive a crashed holder. */
export function lockTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw badRequest(`lock ttl must be a positive number of ms, not ${ttlMs}`);
  return Math.max(1, Math.round(ttlMs));
}
