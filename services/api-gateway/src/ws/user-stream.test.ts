import { describe, expect, it } from "bun:test";
import { UserStream } from "./user-stream.ts";

const both = new Set(["orders", "fills"]);

describe("user stream", () => {
  it("numbers events from 1 and returns those after a seq on the channels asked for", () => {
    const stream = new UserStream({ maxEvents: 10, maxAgeMs: 60_000, now: () => 0 });
    expect(stream.head).toBe(0);
    for (const channel of ["orders", "fills", "positions", "orders"]) stream.append(channel, "{}");
    expect(stream.head).toBe(4);
    expect(stream.since(1, both)?.map((e) => [e.userSeq, e.channel])).toEqual([
      [2, "fills"],
      [4, "orders"],
    ]);
    expect(stream.since(4, both)).toEqual([]);
    expect(stream.since(0, new Set(["positions"]))?.map((e) => e.userSeq)).toEqual([3]);
  });

  it("cannot resume from before its oldest kept event, nor from a seq it never gave out", () => {
    const stream = new UserStream({ maxEvents: 3, maxAgeMs: 60_000, now: () => 0 });
    for (let i = 0; i < 5; i++) stream.append("orders", String(i));
    expect(stream.size).toBe(3);
    expect(stream.since(1, both)).toBeNull();
    expect(stream.since(2, both)?.map((e) => e.json)).toEqual(["2", "3", "4"]);
    expect(stream.since(6, both)).toBeNull();
  });

  it("forgets events older than its window", () => {
    let now = 0;
    const stream = new UserStream({ maxEvents: 100, maxAgeMs: 1_000, now: () => now });
    stream.append("orders", "old");
    now = 500;
    stream.append("orders", "new");
    now = 1_200;
    expect(stream.since(0, both)).toBeNull();
    expect(stream.since(1, both)?.map((e) => e.json)).toEqual(["new"]);
  });

  it("keeps appends cheap and bounded over a long run", () => {
    const stream = new UserStream({ maxEvents: 5000, maxAgeMs: 60_000, now: () => 0 });
    for (let i = 0; i < 100_000; i++) stream.append("orders", "{}");
    expect(stream.size).toBe(5000);
    expect(stream.since(95_000, both)).toHaveLength(5000);
    expect(stream.since(94_999, both)).toBeNull();
  });
});
