import { describe, expect, it } from "bun:test";
import { ALWAYS_OPEN, krxSchedule, parseHolidays, SessionClock } from "./sessions.ts";

/** November 2026 in KST (UTC+9): 25th is a Wednesday, 28th a Saturday. */
const kst = (day: number, h: number, m: number) => Date.UTC(2026, 10, day, h - 9, m);

describe("trading sessions", () => {
  const clock = new SessionClock();
  const krx = krxSchedule(["2026-11-26"]);

  it("walks a KRX day: closed, opening auction, continuous, closing auction, closed", () => {
    const phases = [
      [kst(25, 8, 29), "CLOSED"],
      [kst(25, 8, 30), "OPENING_AUCTION"],
      [kst(25, 8, 59), "OPENING_AUCTION"],
      [kst(25, 9, 0), "OPEN"],
      [kst(25, 15, 19), "OPEN"],
      [kst(25, 15, 20), "CLOSING_AUCTION"],
      [kst(25, 15, 29), "CLOSING_AUCTION"],
      [kst(25, 15, 30), "CLOSED"],
    ] as const;
    for (const [ms, phase] of phases)
      expect([new Date(ms).toISOString(), clock.phase(krx, ms)]).toEqual([new Date(ms).toISOString(), phase]);
  });

  it("is closed on weekends and calendar holidays, with the reason", () => {
    expect(clock.phase(krx, kst(28, 10, 0))).toBe("CLOSED");
    expect(clock.explain(krx, kst(28, 10, 0))).toContain("Saturday");
    expect(clock.phase(krx, kst(26, 10, 0))).toBe("CLOSED");
    expect(clock.explain(krx, kst(26, 10, 0))).toContain("holiday on 2026-11-26");
  });

  it("uses the KST date, not the UTC one: 08:45 KST Monday is still Sunday in UTC", () => {
    expect(clock.phase(krx, kst(30, 8, 45))).toBe("OPENING_AUCTION");
  });

  it("keeps crypto open around the clock", () => {
    expect(clock.phase(ALWAYS_OPEN, kst(28, 3, 0))).toBe("OPEN");
  });

  it("reads a holiday calendar and refuses a malformed date", () => {
    expect(parseHolidays("# KRX 2026\n2026-01-01\n2026-02-16, 2026-02-17 # Seollal\n\n")).toEqual([
      "2026-01-01",
      "2026-02-16",
      "2026-02-17",
    ]);
    expect(() => parseHolidays("2026-13-45")).toThrow("2026-13-45");
    expect(() => parseHolidays("tomorrow")).toThrow("tomorrow");
  });
});
