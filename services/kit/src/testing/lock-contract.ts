import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { Lock } from "@jts/contracts";

/** The one suite every Lock adapter passes (in-memory, Redis). */
export function lockContract(name: string, createLock: () => Promise<Lock>) {
  describe(`Lock contract: ${name}`, () => {
    let lock: Lock;
    let k: string;
    beforeEach(async () => {
      lock = await createLock();
      k = `l${Math.random().toString(36).slice(2, 8)}`;
    });
    afterEach(async () => {
      await lock.close();
    });

    const tokenOf = async (owner: string, ttlMs = 1000, lockName = k) => {
      const grant = await lock.acquire(lockName, owner, ttlMs);
      expect(grant).toMatchObject({ acquired: true, holder: owner });
      return grant.token as number;
    };

    it("grants a free lock with a token and refuses another owner, naming the holder", async () => {
      const token = await tokenOf("a");
      expect(token).toBeGreaterThan(0);
      expect(await lock.acquire(k, "b", 1000)).toEqual({ acquired: false, token: null, holder: "a" });
    });

    it("keeps the holder's token when the holder acquires again", async () => {
      const token = await tokenOf("a");
      expect(await lock.acquire(k, "a", 1000)).toEqual({ acquired: true, token, holder: "a" });
    });

    it("hands out strictly increasing tokens across holders, release and expiry", async () => {
      const first = await tokenOf("a");
      expect(await lock.release(k, "a", first)).toBe(true);
      const second = await tokenOf("b", 50);
      await Bun.sleep(120);
      const third = await tokenOf("c");
      expect(await lock.release(k, "c", third)).toBe(true);
      const fourth = await tokenOf("a");
      expect(second).toBeGreaterThan(first);
      expect(third).toBeGreaterThan(second);
      expect(fourth).toBeGreaterThan(third);
    });

    it("keeps separate locks apart", async () => {
      await tokenOf("a", 1000, `${k}:one`);
      await tokenOf("b", 1000, `${k}:two`);
    });

    it("renews only for the holder with its current token", async () => {
      const token = await tokenOf("a", 100);
      expect(await lock.renew(k, "b", token, 1000)).toBe(false);
      expect(await lock.renew(k, "a", token + 1, 1000)).toBe(false);
      expect(await lock.renew(k, "a", token - 1, 1000)).toBe(false);
      await Bun.sleep(60);
      expect(await lock.renew(k, "a", token, 300)).toBe(true);
      await Bun.sleep(100);
      // Past the first ttl: only the renewal keeps it held.
      expect(await lock.acquire(k, "b", 1000)).toMatchObject({ acquired: false, holder: "a" });
    });

    it("releases only for the holder with its current token, then lets another owner in", async () => {
      const token = await tokenOf("a");
      expect(await lock.release(k, "b", token)).toBe(false);
      expect(await lock.release(k, "a", token + 1)).toBe(false);
      expect((await lock.acquire(k, "b", 1000)).acquired).toBe(false);
      expect(await lock.release(k, "a", token)).toBe(true);
      expect(await lock.release(k, "a", token)).toBe(false);
      expect(await tokenOf("b")).toBeGreaterThan(token);
    });

    it("lets another owner in after expiry and refuses the lapsed holder's renew and release", async () => {
      const stale = await tokenOf("a", 50);
      await Bun.sleep(120);
      expect(await lock.renew(k, "a", stale, 1000)).toBe(false);
      const token = await tokenOf("b");
      expect(token).toBeGreaterThan(stale);
      expect(await lock.renew(k, "a", stale, 1000)).toBe(false);
      expect(await lock.release(k, "a", stale)).toBe(false);
      expect(await lock.acquire(k, "a", 1000)).toEqual({ acquired: false, token: null, holder: "b" });
      expect(await lock.renew(k, "b", token, 1000)).toBe(true);
    });

    it("lets exactly one of many concurrent acquirers win", async () => {
      const owners = Array.from({ length: 10 }, (_, i) => `owner-${i}`);
      const grants = await Promise.all(owners.map((owner) => lock.acquire(k, owner, 1000)));
      const winners = grants.filter((g) => g.acquired);
      expect(winners).toHaveLength(1);
      const winner = winners[0]?.holder;
      expect(grants.filter((g) => !g.acquired).every((g) => g.holder === winner && g.token === null)).toBe(true);
    });

    it("refuses a lease without a positive ttl", async () => {
      await expect(lock.acquire(k, "a", 0)).rejects.toThrow();
      await expect(lock.acquire(k, "a", Number.NaN)).rejects.toThrow();
      await expect(lock.acquire(k, "a", -5)).rejects.toThrow();
    });
  });
}
