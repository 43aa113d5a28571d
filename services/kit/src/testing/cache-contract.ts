import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { Cache } from "@jts/contracts";

/** The one suite every Cache adapter passes (in-memory, Redis). */
export function cacheContract(name: string, createCache: () => Promise<Cache>) {
  describe(`Cache contract: ${name}`, () => {
    let cache: Cache;
    let k: string;
    beforeEach(async () => {
      cache = await createCache();
      k = `k${Math.random().toString(36).slice(2, 8)}`;
    });
    afterEach(async () => {
      await cache.close();
    });

    it("returns null for a missing key and the value for a set one", async () => {
      expect(await cache.get(`${k}:missing`)).toBeNull();
      await cache.set(`${k}:a`, "1");
      expect(await cache.get(`${k}:a`)).toBe("1");
    });

    it("forgets a key after its ttl", async () => {
      await cache.set(`${k}:ttl`, "v", 50);
      expect(await cache.get(`${k}:ttl`)).toBe("v");
      await Bun.sleep(120);
      expect(await cache.get(`${k}:ttl`)).toBeNull();
    });

    it("sets a key only when absent", async () => {
      expect(await cache.setIfAbsent(`${k}:lock`, "owner-1", 1000)).toBe(true);
      expect(await cache.setIfAbsent(`${k}:lock`, "owner-2", 1000)).toBe(false);
      expect(await cache.get(`${k}:lock`)).toBe("owner-1");
    });

    it("deletes and says whether the key existed", async () => {
      await cache.set(`${k}:d`, "v");
      expect(await cache.delete(`${k}:d`)).toBe(true);
      expect(await cache.delete(`${k}:d`)).toBe(false);
      expect(await cache.get(`${k}:d`)).toBeNull();
    });

    it("increments from zero and keeps the first ttl", async () => {
      expect(await cache.increment(`${k}:n`, 1, 100)).toBe(1);
      expect(await cache.increment(`${k}:n`, 5, 100_000)).toBe(6);
      await Bun.sleep(150);
      expect(await cache.increment(`${k}:n`, 1, 100)).toBe(1);
    });
  });
}
