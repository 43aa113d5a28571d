/** Korea Standard Time is UTC+9 all year (no daylight saving). */
export const KST_OFFSET_MS = 9 * 3600_000;

/**
 * A KRX date YYYYMMDD and time HHMMSS (more digits after the seconds are
 * ignored), in Korean time as KIS and Creon send them, to epoch ms.
 */
export function kstToEpochMs(date: string, time: string): number {
  const d = /^(\d{4})(\d{2})(\d{2})$/.exec(date);
  const t = /^(\d{2})(\d{2})(\d{2})/.exec(time);
  if (!d || !t) throw new Error(`bad KST date/time ${JSON.stringify(date)} ${JSON.stringify(time)}`);
  return (
    Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]), Number(t[3])) - KST_OFFSET_MS
  );
}
