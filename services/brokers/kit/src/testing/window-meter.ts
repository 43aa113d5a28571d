/**
 * Counts weight per group as calls arrive and answers "how much in the
 * busiest window of W ms": the number a venue's limit is checked against.
 * Arrival times come in order, so a two-pointer sweep is linear.
 */
export class WindowMeter {
  private readonly events = new Map<string, { at: number[]; weight: number[] }>();

  record(group: string, weight: number, at = performance.now()): void {
    let log = this.events.get(group);
    if (!log) {
      log = { at: [], weight: [] };
      this.events.set(group, log);
    }
    log.at.push(at);
    log.weight.push(weight);
  }

  /** Weight in the window (now - windowMs, now]. */
  used(group: string, windowMs: number, now = performance.now()): number {
    const log = this.events.get(group);
    if (!log) return 0;
    let sum = 0;
    for (let i = log.at.length - 1; i >= 0 && (log.at[i] as number) > now - windowMs; i--)
      sum += log.weight[i] as number;
    return sum;
  }

  /** The most weight any window of `windowMs` held. */
  peak(group: string, windowMs: number): number {
    const log = this.events.get(group);
    if (!log) return 0;
    let best = 0;
    let sum = 0;
    let tail = 0;
    for (let head = 0; head < log.at.length; head++) {
      sum += log.weight[head] as number;
      while ((log.at[tail] as number) <= (log.at[head] as number) - windowMs) sum -= log.weight[tail++] as number;
      if (sum > best) best = sum;
    }
    return best;
  }

  total(group: string): number {
    return (this.events.get(group)?.weight ?? []).reduce((a, b) => a + b, 0);
  }

  /** Milliseconds from the first to the last call of the group. */
  span(group: string): number {
    const at = this.events.get(group)?.at ?? [];
    return at.length < 2 ? 0 : (at[at.length - 1] as number) - (at[0] as number);
  }

  reset(): void {
    this.events.clear();
  }
}
