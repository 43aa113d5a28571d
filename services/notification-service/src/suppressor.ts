/**
 * Remembers which keys were notified in the last `windowMs`, so one cause is
 * sent once: the same event delivered twice (its id is the key) or the same
 * rule firing again for the same thing (e.g. a loss threshold on every price
 * tick of one position). Entries older than the window are dropped as new
 * ones come in, so memory stays bounded by the window's traffic.
 */
export class Suppressor {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time `key` is seen within the window (and remembers it); false for a repeat. */
  admit(key: string): boolean {
    const now = this.now();
    this.prune(now);
    const at = this.seen.get(key);
    if (at !== undefined && now - at < this.windowMs) return false;
    this.seen.delete(key); // re-inserted last: the map stays in time order
    this.seen.set(key, now);
    return true;
  }

  /** Forgets `key`, e.g. when its notice could not be raised, so a redelivery is not taken for a repeat. */
  forget(key: string) {
    this.seen.delete(key);
  }

  private prune(now: number) {
    for (const [key, at] of this.seen) {
      if (now - at < this.windowMs) break;
      this.seen.delete(key);
    }
  }
}
