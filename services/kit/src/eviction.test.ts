import { describe, expect, it } from "bun:test";
import { oldestKeyDropper } from "./eviction.ts";

describe("oldestKeyDropper", () => {
  it("drops a Set's oldest key each call", () => {
    const seen = new Set(["a", "b", "c", "d"]);
    const dropOldest = oldestKeyDropper(seen);
    dropOldest();
    seen.add("e");
    dropOldest();
    expect([...seen]).toEqual(["c", "d", "e"]);
  });

  it("drops what a fresh iterator would when keys are deleted, re-added and updated in between", () => {
    const kept = new Map<string, number>();
    const reference = new Map<string, number>();
    const dropOldest = oldestKeyDropper(kept);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 20_000; i++) {
      const key = `k${Math.floor(random() * 60)}`;
      if (random() < 0.3) {
        kept.delete(key);
        reference.delete(key);
      } else {
        kept.set(key, i);
        reference.set(key, i);
      }
      if (kept.size > 20) dropOldest();
      if (reference.size > 20) reference.delete(reference.keys().next().value as string);
      if (i % 997 === 0) expect([...kept]).toEqual([...reference]);
    }
    expect([...kept]).toEqual([...reference]);
  });

  it("carries on after the collection was emptied or cleared, and ignores an empty one", () => {
    const seen = new Set([1, 2, 3]);
    const dropOldest = oldestKeyDropper(seen);
    dropOldest();
    dropOldest();
    dropOldest();
    dropOldest();
    expect(seen.size).toBe(0);
    seen.add(10).add(11);
    dropOldest();
    expect([...seen]).toEqual([11]);
    seen.clear();
    seen.add(20).add(21);
    dropOldest();
    expect([...seen]).toEqual([21]);
  });
});
