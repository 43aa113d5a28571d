import { describe, expect, it } from "bun:test";
import { Deadlines } from "./deadlines.ts";
import { MemoryRpc } from "./memory.ts";

describe("Deadlines (one timer per timeout length)", () => {
  it("fires each unsettled deadline once its time has passed, in order, and never a settled one", async () => {
    const deadlines = new Deadlines();
    const fired: string[] = [];
    const a = deadlines.add(30, () => fired.push("a"));
    deadlines.add(30, () => fired.push("b"));
    await Bun.sleep(10);
    const c = deadlines.add(30, () => fired.push("c"));
    deadlines.add(30, () => fired.push("d"));
    a.settle();
    c.settle();
    c.settle();
    await Bun.sleep(25);
    // b is due; d may be too on a loaded machine, but after b.
    expect(fired[0]).toBe("b");
    await Bun.sleep(40);
    expect(fired).toEqual(["b", "d"]);
  });

  it("keeps lengths apart: a short timeout added after a long one fires first", async () => {
    const deadlines = new Deadlines();
    const fired: string[] = [];
    const started = performance.now();
    const at: Record<string, number> = {};
    deadlines.add(80, () => {
      fired.push("long");
      at.long = performance.now() - started;
    });
    deadlines.add(20, () => {
      fired.push("short");
      at.short = performance.now() - started;
    });
    await Bun.sleep(120);
    expect(fired).toEqual(["short", "long"]);
    expect(at.short).toBeGreaterThanOrEqual(19);
    expect(at.long).toBeGreaterThanOrEqual(79);
  });

  it("times out a deadline added after the queue emptied, and after thousands of settled ones", async () => {
    const deadlines = new Deadlines();
    for (let i = 0; i < 5000; i++) deadlines.add(20, () => expect.unreachable()).settle();
    let fired = 0;
    deadlines.add(20, () => fired++);
    await Bun.sleep(5);
    for (let i = 0; i < 5000; i++) deadlines.add(20, () => expect.unreachable()).settle();
    await Bun.sleep(60);
    expect(fired).toBe(1);
  });
});

describe("Deadlines behind a slow request", () => {
  it("keep no answered request's reply alive while an older one is still pending", async () => {
    const rpc = new MemoryRpc();
    await rpc.serve("slow", () => new Promise((resolve) => setTimeout(() => resolve("late"), 1500)));
    await rpc.serve("big", async () => ({ blob: `${"x".repeat(1 << 16)}${Math.random()}` }));
    const slow = rpc.request("slow", {}); // the oldest deadline of its length, pending for 1.5 s
    const replies: WeakRef<object>[] = [];
    for (let i = 0; i < 50; i++) replies.push(new WeakRef((await rpc.request("big", {})) as object));
    Bun.gc(true);
    await Bun.sleep(10);
    Bun.gc(true);
    // JSC scans the stack conservatively, so the last reply or two may stay reachable; before the
    // fix every one of the 50 did.
    expect(replies.filter((reply) => reply.deref() !== undefined).length).toBeLessThanOrEqual(2);
    expect(await slow).toBe("late");
  });

  it("arm one timer for a timeout past setTimeout's range instead of re-arming every millisecond", async () => {
    const original = globalThis.setTimeout;
    let armed = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      armed++;
      return original(...args);
    }) as typeof setTimeout;
    try {
      const deadline = new Deadlines().add(2 ** 40, () => expect.unreachable());
      await Bun.sleep(50);
      deadline.settle();
    } finally {
      globalThis.setTimeout = original;
    }
    expect(armed).toBeLessThanOrEqual(2); // the deadline's timer, and Bun.sleep's if it goes through it
  });
});
