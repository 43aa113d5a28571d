import { afterEach, describe, expect, it } from "bun:test";
import { holdLeadership } from "../lock/leader.ts";
import { eventually } from "../testing/eventually.ts";
import { lockContract } from "../testing/lock-contract.ts";
import { serverUrl } from "../testing/servers.ts";
import { connectRedis } from "./connect.ts";
import { RedisLock } from "./lock.ts";

const url = serverUrl("REDIS_URL");

if (url) {
  // A fresh prefix per run: fencing counters never expire, by design.
  const prefix = `test:lock:${Date.now()}:`;
  lockContract("redis", async () => new RedisLock(connectRedis(url, "lock-contract"), prefix));

  describe("RedisLock", () => {
    const locks: RedisLock[] = [];
    afterEach(async () => {
      await Promise.all(locks.splice(0).map((lock) => lock.close()));
    });
    const open = () => {
      const lock = new RedisLock(connectRedis(url, "lock-test"), prefix);
      locks.push(lock);
      return lock;
    };

    it("lets exactly one of many processes win, each on its own connection", async () => {
      const name = `race${Math.random().toString(36).slice(2, 8)}`;
      const grants = await Promise.all(Array.from({ length: 8 }, (_, i) => open().acquire(name, `p${i}`, 1000)));
      expect(grants.filter((g) => g.acquired)).toHaveLength(1);
    });

    it("shares holder and tokens between connections", async () => {
      const name = `shared${Math.random().toString(36).slice(2, 8)}`;
      const [a, b] = [open(), open()];
      const first = await a.acquire(name, "a", 1000);
      expect(await b.acquire(name, "b", 1000)).toMatchObject({ acquired: false, holder: "a" });
      expect(await b.release(name, "a", first.token as number)).toBe(true);
      expect((await b.acquire(name, "b", 1000)).token).toBe((first.token as number) + 1);
    });

    it("hands leadership to a standby process with a higher token when the leader's process dies", async () => {
      const name = `leader${Math.random().toString(36).slice(2, 8)}`;
      const options = { ttlMs: 150, renewEveryMs: 30, retryEveryMs: 10, onError: () => {} };
      const a = await holdLeadership(open(), name, "a", options);
      const b = await holdLeadership(open(), name, "b", options);
      const first = a.token as number;
      expect(first).toBeGreaterThan(0);
      expect(b.token).toBeNull();
      // The leader's process dies: its connection drops without a release.
      await locks[0]?.close();
      await eventually(() => expect(b.token).toBeGreaterThan(first), 2000);
      expect(a.token).toBeNull();
      await Promise.all([a.stop(), b.stop()]);
    });
  });
} else it.skip("Lock contract: redis (REDIS_URL not set)", () => {});
