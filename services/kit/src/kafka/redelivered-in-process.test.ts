import { describe, expect, it } from "bun:test";
import { RedeliveredInProcess } from "./event-bus.ts";

describe("RedeliveredInProcess", () => {
  it("skips an event id among the last 2000 handled, and forgets the oldest past that", () => {
    const redelivered = new RedeliveredInProcess();
    for (let n = 0; n <= 2000; n++) redelivered.handledEvent(`e-${n}`);
    expect(redelivered.skipEvent("e-0")).toBe(false);
    expect(redelivered.skipEvent("e-1")).toBe(true);
    expect(redelivered.skipEvent("e-2000")).toBe(true);
    redelivered.handledEvent("e-2001");
    expect(redelivered.skipEvent("e-1")).toBe(false);
    expect(redelivered.skipEvent("e-2")).toBe(true);
  });
});
