import { afterEach, describe, expect, it } from "bun:test";
import { eventually } from "../testing/eventually.ts";
import { holdLeadership, type Leadership, type LeadershipOptions } from "./leader.ts";
import { MemoryLock } from "./memory.ts";

/** A memory lock that one owner can be cut off from, as by a partition. */
class PartitionedLock extends MemoryLock {
  cutOff: string | null = null;
  override async renew(name: string, owner: string, token: number, ttlMs: number): Promise<boolean> {
    if (owner === this.cutOff) throw new Error("lock store unreachable");
    return super.renew(name, owner, token, ttlMs);
  }
  override async acquire(name: string, owner: string, ttlMs: number) {
    if (owner === this.cutOff) throw new Error("lock store unreachable");
    return super.acquire(name, owner, ttlMs);
  }
}

const held: Leadership[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((l) => l.stop()));
});

async function hold(lock: MemoryLock, owner: string, options: Partial<LeadershipOptions> = {}) {
  const events: string[] = [];
  const leadership = await holdLeadership(lock, "strategy:ma-fast", owner, {
    ttlMs: 60,
    renewEveryMs: 15,
    onAcquired: (token) => events.push(`acquired ${token}`),
    onLost: (token, reason) => events.push(`lost ${token} ${reason}`),
    onError: () => {},
    ...options,
  });
  held.push(leadership);
  return { leadership, events };
}

describe("holdLeadership", () => {
  it("leads with the lock's token and keeps it past the ttl by renewing", async () => {
    const lock = new MemoryLock();
    const { leadership, events } = await hold(lock, "a");
    const token = leadership.token;
    expect(token).not.toBeNull();
    await Bun.sleep(200);
    expect(leadership.token).toBe(token);
    expect((await lock.acquire("strategy:ma-fast", "b", 1000)).holder).toBe("a");
    expect(events).toEqual([`acquired ${token}`]);
  });

  it("lets a standby take over with a higher token when the leader stops", async () => {
    const lock = new MemoryLock();
    const a = await hold(lock, "a");
    const b = await hold(lock, "b", { retryEveryMs: 5 });
    expect(b.leadership.token).toBeNull();
    const first = a.leadership.token as number;
    await a.leadership.stop();
    expect(a.leadership.token).toBeNull();
    await eventually(() => expect(b.leadership.token).toBeGreaterThan(first));
    expect(a.events).toEqual([`acquired ${first}`]);
  });

  it("reports the loss when the lock refuses a renewal, and stays a standby", async () => {
    const lock = new MemoryLock();
    const { leadership, events } = await hold(lock, "a");
    const token = leadership.token as number;
    // An operator forces the lock over to another instance.
    await lock.release("strategy:ma-fast", "a", token);
    const other = await lock.acquire("strategy:ma-fast", "b", 10_000);
    await eventually(() => expect(events).toEqual([`acquired ${token}`, `lost ${token} taken`]));
    expect(leadership.token).toBeNull();
    await Bun.sleep(50);
    expect(leadership.token).toBeNull();
    expect(other.token).toBeGreaterThan(token);
  });

  it("gives up leading when no renewal gets through before the lease runs out, then comes back", async () => {
    const lock = new PartitionedLock();
    const errors: unknown[] = [];
    const { leadership, events } = await hold(lock, "a", { onError: (e) => errors.push(e) });
    const token = leadership.token as number;
    lock.cutOff = "a";
    await eventually(() => expect(events).toEqual([`acquired ${token}`, `lost ${token} expired`]));
    expect(leadership.token).toBeNull();
    expect(errors.length).toBeGreaterThan(0);
    // The lease lapsed in the store too, so another owner leads in between.
    const other = await lock.acquire("strategy:ma-fast", "b", 1000);
    expect(other.token).toBeGreaterThan(token);
    await lock.release("strategy:ma-fast", "b", other.token as number);
    lock.cutOff = null;
    await eventually(() => expect(leadership.token).toBeGreaterThan(token + 1));
  });

  it("says it no longer leads after a stall longer than the lease, before any timer runs", async () => {
    const { leadership } = await hold(new MemoryLock(), "a");
    expect(leadership.token).not.toBeNull();
    const until = Date.now() + 80;
    while (Date.now() < until) {
      // A GC pause or a blocked event loop: no timer can fire meanwhile.
    }
    expect(leadership.token).toBeNull();
  });

  it("refuses a renewal interval that does not fit in the lease", async () => {
    await expect(holdLeadership(new MemoryLock(), "x", "a", { ttlMs: 100, renewEveryMs: 100 })).rejects.toThrow();
  });
});
