import { KST_OFFSET_MS } from "@jts/contracts";

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

/** Epoch ms to the KRX date YYYYMMDD and time HHMMSS in Korean time: what KIS and Creon write (their fakes too). */
export function epochMsToKst(epochMs: number): { date: string; time: string } {
  const iso = new Date(epochMs + KST_OFFSET_MS).toISOString();
  return { date: iso.slice(0, 10).replaceAll("-", ""), time: iso.slice(11, 19).replaceAll(":", "") };
}

/** The Korean trading day YYYYMMDD of `epochMs` (KIS and Creon order days). */
export function kstDay(epochMs: number = Date.now()): string {
  return epochMsToKst(epochMs).date;
}
