import { describe, expect, it } from "bun:test";
import { epochMsToKst, kstDay, kstToEpochMs } from "./kst.ts";

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

  it("writes epoch ms back as the KRX date and time, on the Korean day", () => {
    const ms = Date.parse("2026-11-27T15:30:05.250Z");
    expect(epochMsToKst(ms)).toEqual({ date: "20261128", time: "003005" });
    expect(kstDay(ms)).toBe("20261128");
    expect(kstToEpochMs("20261128", "003005")).toBe(ms - 250);
  });
});
