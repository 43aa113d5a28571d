/**
 * Where each account's trading day starts, for the daily loss limit. KRX
 * accounts (kis, creon) count the day from midnight KST, crypto venues
 * (binance, upbit: Upbit's daily candles also open at 00:00 UTC) from
 * midnight UTC. The simulated and paper venues keep KST, which they had
 * before: the default paper account trades KRX stocks. Offsets are fixed:
 * none of these markets keeps daylight saving, and a fixed offset costs one
 * addition per evaluation where a time-zone lookup would cost far more on
 * every tick.
 */
export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export const DEFAULT_DAY_OFFSETS: Readonly<Record<string, number>> = {
  kis: 9 * HOUR_MS,
  creon: 9 * HOUR_MS,
  sim: 9 * HOUR_MS,
  paper: 9 * HOUR_MS,
  binance: 0,
  upbit: 0,
};
/** An account whose venue the service has not learned yet. */
export const FALLBACK_DAY_OFFSET_MS = 9 * HOUR_MS;

/**
 * `RISK_TRADING_DAY` entries, comma-separated `key=offset`, where the key is a
 * venue or an account id (an account's own entry wins) and the offset is
 * `UTC`, `KST` or `+HH:MM` / `-HH:MM`. E.g. `paper=UTC,acc-krx=+09:00`.
 */
export function parseDayOffsets(spec: string): Record<string, number> {
  const offsets: Record<string, number> = {};
  for (const entry of spec.split(",")) {
    const trimmed = entry.trim();
    if (trimmed === "") continue;
    const [key, value] = trimmed.split("=").map((s) => s.trim());
    if (!key || value === undefined) throw new Error(`RISK_TRADING_DAY entry "${trimmed}" is not key=offset`);
    offsets[key] = parseOffset(value);
  }
  return offsets;
}

function parseOffset(value: string): number {
  const upper = value.toUpperCase();
  if (upper === "UTC" || upper === "Z") return 0;
  if (upper === "KST") return 9 * HOUR_MS;
  const match = /^(?:UTC)?([+-])(\d{2}):(\d{2})$/.exec(upper);
  if (!match) throw new Error(`trading day offset "${value}" is not UTC, KST or +HH:MM`);
  const [, sign, hours, minutes] = match;
  const ms = Number(hours) * HOUR_MS + Number(minutes) * 60_000;
  if (ms > 14 * HOUR_MS) throw new Error(`trading day offset "${value}" is beyond ±14:00`);
  return sign === "-" ? -ms : ms;
}

export class TradingDays {
  private readonly offsets: Record<string, number>;

  constructor(overrides: Record<string, number> = {}) {
    this.offsets = { ...DEFAULT_DAY_OFFSETS, ...overrides };
  }

  /** The offset of an account's day: its own entry, else its venue's, else KST. */
  offsetMs(account: string, venue: string | null): number {
    return this.offsets[account] ?? (venue === null ? undefined : this.offsets[venue]) ?? FALLBACK_DAY_OFFSET_MS;
  }
}

/** Days since the epoch in a zone `offsetMs` ahead of UTC. */
export const dayNumber = (nowMs: number, offsetMs: number): number => Math.floor((nowMs + offsetMs) / DAY_MS);
/** A day number as its date, for the stored baseline and the status. */
export const dayKey = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
export const dayFromKey = (key: string): number => Math.round(Date.parse(`${key}T00:00:00Z`) / DAY_MS);
