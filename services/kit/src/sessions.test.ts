import { describe, expect, it } from "bun:test";
import type { Instrument } from "@jts/contracts";
import { utcMidnight } from "@jts/contracts";
import { InstrumentCatalog, SIM_INSTRUMENTS } from "./instruments.ts";
import {
  ALWAYS_OPEN,
  krxSchedule,
  parseHolidays,
  SessionClock,
  sessionEndFor,
  sessionEndOf,
  sessionsFor,
} from "./sessions.ts";

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

describe("session ends (when DAY orders expire)", () => {
  const krx = krxSchedule(["2026-11-26"]);
  const ns = (ms: number) => BigInt(ms) * 1_000_000n;
  const end = (ms: number) => new Date(Number(sessionEndOf(krx, ns(ms)) / 1_000_000n)).toISOString();

  it("ends a KRX day at 15:30 KST, the close of its closing auction", () => {
    expect(end(kst(25, 8, 0))).toBe("2026-11-25T06:30:00.000Z");
    expect(end(kst(25, 10, 0))).toBe("2026-11-25T06:30:00.000Z");
    expect(end(kst(25, 15, 25))).toBe("2026-11-25T06:30:00.000Z");
  });

  it("carries an order placed after the close, on a holiday or a weekend to the next trading day's close", () => {
    // After Wednesday's close; Thursday the 26th is a holiday: Friday the 27th.
    expect(end(kst(25, 15, 30))).toBe("2026-11-27T06:30:00.000Z");
    expect(end(kst(26, 10, 0))).toBe("2026-11-27T06:30:00.000Z");
    // Saturday: Monday the 30th.
    expect(end(kst(28, 10, 0))).toBe("2026-11-30T06:30:00.000Z");
    // 00:30 KST Monday is Sunday in UTC: Monday's close, not the Friday before.
    expect(end(kst(30, 0, 30))).toBe("2026-11-30T06:30:00.000Z");
  });

  it("ends a day of an around-the-clock market at the next UTC midnight", () => {
    const ts = ns(kst(28, 3, 0));
    expect(sessionEndOf(ALWAYS_OPEN, ts)).toBe(utcMidnight("upbit", ts));
  });

  it("picks the schedule by the order's instrument, as risk does", () => {
    const kis: Instrument = { ...(SIM_INSTRUMENTS[2] as Instrument), venue: "kis" };
    const catalog = new InstrumentCatalog([...SIM_INSTRUMENTS, { ...kis, symbol: "000660" }]);
    const config = { KRX_HOLIDAYS: "2026-11-26", KRX_HOLIDAYS_FILE: "", RISK_SIM_SESSIONS: "24/7" as const };
    const sessionEnd = sessionEndFor(catalog, sessionsFor(config));
    const wednesday = ns(kst(25, 16, 0));
    expect(sessionEnd("kis", wednesday, "000660")).toBe(ns(Date.parse("2026-11-27T06:30:00Z")));
    // The sim venue's stocks trade around the clock unless RISK_SIM_SESSIONS=krx.
    expect(sessionEnd("sim", wednesday, "005930")).toBe(utcMidnight("sim", wednesday));
    expect(sessionEnd("sim", wednesday, "BTC-KRW")).toBe(utcMidnight("sim", wednesday));
    const simKrx = sessionEndFor(catalog, sessionsFor({ ...config, RISK_SIM_SESSIONS: "krx" }));
    expect(simKrx("sim", wednesday, "005930")).toBe(ns(Date.parse("2026-11-27T06:30:00Z")));
    expect(simKrx("sim", wednesday, "BTC-KRW")).toBe(utcMidnight("sim", wednesday));
    // No symbol or an unknown one (the OMS and paper refuse those before): the UTC day.
    expect(sessionEnd("kis", wednesday)).toBe(utcMidnight("kis", wednesday));
  });
});
