import { describe, expect, it } from "bun:test";
import { Deadlines } from "./deadlines.ts";

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
