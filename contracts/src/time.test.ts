import { describe, expect, it } from "bun:test";
import { nowNs, nowNsString } from "./time.ts";

describe("nanosecond clock", () => {
  it("formats the same instant nowNs gives, as 19 digits, never going backwards", () => {
    let previous = 0n;
    for (let i = 0; i < 10_000; i++) {
      const before = nowNs();
      const text = nowNsString();
      const after = nowNs();
      expect(text).toMatch(/^\d{19}$/);
      const value = BigInt(text);
      expect(value >= before && value <= after && value >= previous).toBe(true);
      previous = value;
    }
  });
});
