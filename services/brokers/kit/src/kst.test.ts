import { describe, expect, it } from "bun:test";
import { kstToEpochMs } from "./kst.ts";

describe("kstToEpochMs", () => {
  it("reads Korean date and time as UTC+9", () => {
    expect(new Date(kstToEpochMs("20261127", "091502")).toISOString()).toBe("2026-11-27T00:15:02.000Z");
  });

  it("crosses the day boundary backwards before 09:00 KST", () => {
    expect(new Date(kstToEpochMs("20260101", "083000")).toISOString()).toBe("2025-12-31T23:30:00.000Z");
  });

  it("ignores digits after the seconds (KIS sends HHMMSS plus fractions in some fields)", () => {
    expect(kstToEpochMs("20261127", "09150212")).toBe(kstToEpochMs("20261127", "091502"));
  });

  it("refuses malformed input instead of returning NaN", () => {
    expect(() => kstToEpochMs("2026-11-27", "091502")).toThrow("bad KST date/time");
    expect(() => kstToEpochMs("20261127", "9:15")).toThrow("bad KST date/time");
  });
});
