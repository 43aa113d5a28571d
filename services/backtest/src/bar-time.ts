import type { Candle } from "@jts/contracts";
import type { SessionSchedule } from "@jts/kit";

const MINUTE_NS = 60_000_000_000n;
const DAY_MS = 86_400_000;

export const CANDLE_NS: Record<Candle["interval"], bigint> = {
  "1m": MINUTE_NS,
  "5m": 5n * MINUTE_NS,
  "1h": 60n * MINUTE_NS,
  "1d": 1440n * MINUTE_NS,
};

export interface BarTimes {
  /** When the bar's open trades: a next-open fill happens then. */
  open: bigint;
  /** When the bar is over and the strategy decides on it. */
  close: bigint;
}

/**
 * A candle's open and decision time in market time. Its stamp is its open
 * (`ts` of the CSV) and it closes an interval later; on a market with
 * sessions (KRX), a bar that straddles its trading day's continuous session
 * is put inside it:
 *
 * - it opens at the start of continuous trading (09:00 KST) when it starts
 *   before it: a daily bar stamped at midnight KST opens at 09:00, not at
 *   midnight when nothing trades;
 * - it is decided at the last instant of continuous trading (15:19:59.999999999
 *   KST, the close less 1 ns) when it runs past its end: a daily bar, and the
 *   last 1h bar (15:00) of the day. That is the last moment a MARKET (IOC)
 *   order is taken; the closing auction (15:20-15:30) takes no IOC order.
 *
 * So a daily signal is never refused only because its bar's stamp (midnight
 * KST, or midnight UTC: Friday's bar then "closes" on Saturday 09:00 KST)
 * falls outside the session. A bar on a weekend or holiday, or wholly outside
 * the session, keeps its stamps: an order decided on it meets SESSION_CLOSED,
 * as it would live. Around the clock (crypto) nothing moves.
 */
export function candleTimes(candle: Candle, schedule: SessionSchedule): BarTimes {
  const open = BigInt(candle.tsOpen);
  const close = open + CANDLE_NS[candle.interval];
  const session = continuousSession(schedule, open);
  if (!session || close <= session.start || open >= session.end) return { open, close };
  return {
    open: open < session.start ? session.start : open,
    close: close > session.end ? session.end - 1n : close,
  };
}

/** Continuous trading (the OPEN windows) on the local trading day `ts` falls on; null around the clock or on a closed day. */
function continuousSession(schedule: SessionSchedule, ts: bigint): { start: bigint; end: bigint } | null {
  const open = (schedule.windows ?? []).filter((w) => w.phase === "OPEN");
  if (schedule.windows === null || open.length === 0) return null;
  const offsetMs = schedule.utcOffsetMinutes * 60_000;
  const localDayStart = Math.floor((Number(ts / 1_000_000n) + offsetMs) / DAY_MS) * DAY_MS;
  const day = new Date(localDayStart);
  if (schedule.weekendsClosed && (day.getUTCDay() === 0 || day.getUTCDay() === 6)) return null;
  if (schedule.holidays.has(day.toISOString().slice(0, 10))) return null;
  const at = (minutes: number) => BigInt(localDayStart - offsetMs) * 1_000_000n + BigInt(minutes) * MINUTE_NS;
  return {
    start: at(Math.min(...open.map((w) => w.from))),
    end: at(Math.max(...open.map((w) => w.to))),
  };
}
