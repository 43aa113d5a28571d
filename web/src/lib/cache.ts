/**
 * The last data the app saw, kept in localStorage so a reload without a
 * network (the service worker serves the shell) still shows something, marked
 * stale with the time it was saved. Never used to decide a trade.
 */
export interface Remembered<T> {
  data: T;
  /** Epoch ms when it was saved. */
  savedAt: number;
}

const PREFIX = "jts.last.";

export function remember(key: string, data: unknown): void {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify({ data, savedAt: Date.now() }));
  } catch {
    // Storage full or disabled (private mode): the app works, only offline reloads show less.
  }
}

export function recall<T>(key: string): Remembered<T> | null {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Remembered<T>;
    return typeof parsed.savedAt === "number" ? parsed : null;
  } catch {
    return null;
  }
}

/** On logout: account data must not stay on a shared device. */
export function forgetAll(): void {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(PREFIX)) localStorage.removeItem(key);
  } catch {
    // Nothing stored.
  }
}
