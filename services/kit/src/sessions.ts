import { readFileSync } from "node:fs";
import type { Instrument, SessionEnd } from "@jts/contracts";
import { oneOf, str } from "./config.ts";

/**
 * Trading sessions per market, in the market's local time. KRX (KST, no
 * daylight saving): opening call auction 08:30-09:00, continuous trading
 * 09:00-15:20, closing call auction 15:20-15:30, closed on weekends and on the
 * exchange holidays of a configured calendar. Crypto trades around the clock.
 */
export type SessionPhase = "OPEN" | "OPENING_AUCTION" | "CLOSING_AUCTION" | "CLOSED";

export interface SessionWindow {
  /** Minutes after local midnight, `from` inclusive, `to` exclusive. */
  readonly from: number;
  readonly to: number;
  readonly phase: SessionPhase;
}

export interface SessionSchedule {
  readonly name: string;
  readonly utcOffsetMinutes: number;
  /** Null trades around the clock; otherwise every minute outside the windows is CLOSED. */
  readonly windows: readonly SessionWindow[] | null;
  readonly weekendsClosed: boolean;
  /** Local dates, YYYY-MM-DD. */
  readonly holidays: ReadonlySet<string>;
}

export const ALWAYS_OPEN: SessionSchedule = {
  name: "24/7",
  utcOffsetMinutes: 0,
  windows: null,
  weekendsClosed: false,
  holidays: new Set(),
};

const hm = (h: number, m: number) => h * 60 + m;

export function krxSchedule(holidays: Iterable<string> = []): SessionSchedule {
  return {
    name: "KRX",
    utcOffsetMinutes: 9 * 60,
    windows: [
      { from: hm(8, 30), to: hm(9, 0), phase: "OPENING_AUCTION" },
      { from: hm(9, 0), to: hm(15, 20), phase: "OPEN" },
      { from: hm(15, 20), to: hm(15, 30), phase: "CLOSING_AUCTION" },
    ],
    weekendsClosed: true,
    holidays: new Set(holidays),
  };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A holiday calendar: one YYYY-MM-DD per line or comma-separated; `#` starts a comment. Throws on anything else. */
export function parseHolidays(text: string): string[] {
  const dates: string[] = [];
  for (const line of text.split("\n")) {
    for (const item of (line.split("#")[0] ?? "").split(",")) {
      const date = item.trim();
      if (!date) continue;
      if (!DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
        throw new Error(`not a YYYY-MM-DD holiday: ${JSON.stringify(date)}`);
      dates.push(date);
    }
  }
  return dates;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const clock = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/**
 * Answers the phase of a schedule at a time. The answer only changes at a
 * minute boundary, so it is kept per schedule for the current minute: checks
 * on the hot path allocate nothing.
 */
export class SessionClock {
  private readonly cache = new Map<SessionSchedule, { minute: number; phase: SessionPhase }>();

  phase(schedule: SessionSchedule, nowMs: number): SessionPhase {
    if (schedule.windows === null) return "OPEN";
    const minute = Math.floor(nowMs / 60_000);
    const hit = this.cache.get(schedule);
    if (hit && hit.minute === minute) return hit.phase;
    const phase = this.compute(schedule, nowMs);
    this.cache.set(schedule, { minute, phase });
    return phase;
  }

  /** Why the market is not in continuous trading, for a refusal a trader reads. */
  explain(schedule: SessionSchedule, nowMs: number): string {
    const local = new Date(nowMs + schedule.utcOffsetMinutes * 60_000);
    const date = local.toISOString().slice(0, 10);
    const zone = `UTC${schedule.utcOffsetMinutes >= 0 ? "+" : "-"}${clock(Math.abs(schedule.utcOffsetMinutes))}`;
    const at = `${date} ${local.toISOString().slice(11, 16)} ${zone}`;
    if (schedule.weekendsClosed && (local.getUTCDay() === 0 || local.getUTCDay() === 6))
      return `${schedule.name} is closed on ${WEEKDAYS[local.getUTCDay()]}s (${at})`;
    if (schedule.holidays.has(date)) return `${schedule.name} is closed for a holiday on ${date}`;
    const phase = this.phase(schedule, nowMs);
    if (phase !== "CLOSED") return `${schedule.name} is in its ${phase.toLowerCase().replace("_", " ")} (${at})`;
    const windows = schedule.windows ?? [];
    const open = windows[0]?.from ?? 0;
    const close = windows[windows.length - 1]?.to ?? 0;
    return `${schedule.name} is closed at ${at}; orders are taken ${clock(open)}-${clock(close)} local time`;
  }

  private compute(schedule: SessionSchedule, nowMs: number): SessionPhase {
    const local = new Date(nowMs + schedule.utcOffsetMinutes * 60_000);
    const day = local.getUTCDay();
    if (schedule.weekendsClosed && (day === 0 || day === 6)) return "CLOSED";
    if (schedule.holidays.size > 0 && schedule.holidays.has(local.toISOString().slice(0, 10))) return "CLOSED";
    const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
    for (const window of schedule.windows ?? []) if (minutes >= window.from && minutes < window.to) return window.phase;
    return "CLOSED";
  }
}

/** Whether `nowMs` falls on one of the schedule's holidays (its local date), as opposed to a weekend or off-hours. */
export function isHoliday(schedule: SessionSchedule, nowMs: number): boolean {
  if (schedule.holidays.size === 0) return false;
  return schedule.holidays.has(new Date(nowMs + schedule.utcOffsetMinutes * 60_000).toISOString().slice(0, 10));
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const MS_NS = 1_000_000n;
/** How far ahead a next trading day is looked for; a calendar closed longer than this is a mistake. */
const MAX_CLOSED_DAYS = 31;

/**
 * When a DAY order placed at `tsNs` ends: the close of the schedule's last
 * window on the first trading day that closes after it (the same day before
 * the close, else the next day that is neither a weekend nor a holiday). A
 * market open around the clock ends its day at local midnight (UTC midnight
 * for ALWAYS_OPEN, as for crypto).
 */
export function sessionEndOf(schedule: SessionSchedule, tsNs: bigint): bigint {
  const offsetMs = schedule.utcOffsetMinutes * MINUTE_MS;
  const tsMs = Number(tsNs / MS_NS);
  const localDayStart = Math.floor((tsMs + offsetMs) / DAY_MS) * DAY_MS;
  const windows = schedule.windows;
  if (windows === null) return BigInt(localDayStart + DAY_MS - offsetMs) * MS_NS;
  const closeMinutes = windows[windows.length - 1]?.to ?? 24 * 60;
  for (let day = 0; day <= MAX_CLOSED_DAYS; day++) {
    const start = localDayStart + day * DAY_MS;
    const date = new Date(start);
    const weekday = date.getUTCDay();
    if (schedule.weekendsClosed && (weekday === 0 || weekday === 6)) continue;
    if (schedule.holidays.has(date.toISOString().slice(0, 10))) continue;
    const close = BigInt(start + closeMinutes * MINUTE_MS - offsetMs) * MS_NS;
    if (close > tsNs) return close;
  }
  throw new Error(
    `${schedule.name} has no trading day in the ${MAX_CLOSED_DAYS} days after ${new Date(tsMs).toISOString()}`,
  );
}

/** The session configuration risk, the OMS and the paper venue read alike. */
export const sessionConfigSpec = {
  /** Exchange holidays, YYYY-MM-DD, comma-separated. */
  KRX_HOLIDAYS: str(""),
  /** A file of holidays, one YYYY-MM-DD per line (`#` comments); added to KRX_HOLIDAYS. */
  KRX_HOLIDAYS_FILE: str(""),
  /** The sim and paper venues' stocks are simulated around the clock; `krx` gives them KRX's hours. */
  RISK_SIM_SESSIONS: oneOf(["24/7", "krx"], "24/7"),
};

/** The KRX holidays of the session configuration: KRX_HOLIDAYS and the file KRX_HOLIDAYS_FILE names. */
export function krxHolidaysOf(config: { KRX_HOLIDAYS: string; KRX_HOLIDAYS_FILE: string }): string[] {
  return [
    ...parseHolidays(config.KRX_HOLIDAYS),
    ...(config.KRX_HOLIDAYS_FILE ? parseHolidays(readFileSync(config.KRX_HOLIDAYS_FILE, "utf8")) : []),
  ];
}

/** Which session each instrument trades in: KRX for stocks on KRX brokers (and simulated ones if asked), 24/7 otherwise. */
export function sessionsFor(config: {
  KRX_HOLIDAYS: string;
  KRX_HOLIDAYS_FILE: string;
  RISK_SIM_SESSIONS: "24/7" | "krx";
}): (instrument: Instrument) => SessionSchedule {
  const krx = krxSchedule(krxHolidaysOf(config));
  return (instrument) => {
    if (instrument.kind !== "STOCK") return ALWAYS_OPEN;
    if (instrument.venue === "kis" || instrument.venue === "creon") return krx;
    return config.RISK_SIM_SESSIONS === "krx" ? krx : ALWAYS_OPEN;
  };
}

/**
 * The SessionEnd the paper venue and the OMS expire DAY orders with: the
 * session of the order's instrument (the schedules risk trades by). An order
 * without a known symbol keeps the UTC day.
 */
export function sessionEndFor(
  instruments: { find(symbol: string): Instrument | undefined },
  scheduleOf: (instrument: Instrument) => SessionSchedule,
): SessionEnd {
  return (_venue, tsNs, symbol) => {
    const instrument = symbol === undefined ? undefined : instruments.find(symbol);
    return sessionEndOf(instrument ? scheduleOf(instrument) : ALWAYS_OPEN, tsNs);
  };
}
