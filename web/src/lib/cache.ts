/**
 * The last data the app saw, so a reload without a network (the service worker
 * serves the shell) still shows something, marked stale with the time it was
 * saved. Never used to decide a trade.
 *
 * Account data must not outlive the session on a shared device: it is kept in
 * sessionStorage (gone with the tab), under the signed-in user's name (another
 * user never reads it), and forgotten whenever the session ends: logout, a
 * refused refresh, an expired session. With no one signed in nothing is kept.
 */
export interface Remembered<T> {
  data: T;
  /** Epoch ms when it was saved. */
  savedAt: number;
}

const PREFIX = "jts.last.";
let owner: string | null = null;

const keyOf = (key: string) => (owner === null ? null : `${PREFIX}${encodeURIComponent(owner)}.${key}`);

/** Whose data is remembered from now on (the signed-in user), or null for no one. */
export function rememberFor(user: string | null): void {
  owner = user;
}

export function remember(key: string, data: unknown): void {
  const stored = keyOf(key);
  if (stored === null) return;
  try {
    sessionStorage.setItem(stored, JSON.stringify({ data, savedAt: Date.now() }));
  } catch {
    // Storage full or disabled (private mode): the app works, only offline reloads show less.
  }
}

export function recall<T>(key: string): Remembered<T> | null {
  const stored = keyOf(key);
  if (stored === null) return null;
  try {
    const raw = sessionStorage.getItem(stored);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Remembered<T>;
    return typeof parsed.savedAt === "number" ? parsed : null;
  } catch {
    return null;
  }
}

/** When a session ends: every user's remembered data, and what older versions left in localStorage. */
export function forgetAll(): void {
  for (const storage of [sessionStorage, localStorage]) {
    try {
      for (const key of Object.keys(storage)) if (key.startsWith(PREFIX)) storage.removeItem(key);
    } catch {
      // Nothing stored.
    }
  }
}
