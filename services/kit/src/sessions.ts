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
