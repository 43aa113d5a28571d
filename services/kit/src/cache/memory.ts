import type { Cache } from "@jts/contracts";

/** In-process cache with lazy expiry; for `just dev` and tests. */
export class MemoryCache implements Cache {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: expiry(ttlMs) });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: expiry(ttlMs) });
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  async increment(key: string, by = 1, ttlMs?: number): Promise<number> {
    const current = this.live(key);
    const next = (current ? Number(current.value) : 0) + by;
    this.entries.set(key, { value: String(next), expiresAt: current ? current.expiresAt : expiry(ttlMs) });
    return next;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private live(key: string) {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

const expiry = (ttlMs?: number) => (ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs);
