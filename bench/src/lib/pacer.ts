import { type Histogram, newHistogram, record } from "./hist.ts";

export interface PaceResult {
  /** Units (ticks, requests) sent. */
  sent: number;
  elapsedMs: number;
  /** How late each send call started against its intended time (ns). */
  lag: Histogram;
}

/**
 * Calls `send` at a constant rate of `ratePerSec` units for `durationMs`.
 * `send` returns how many units it sent (a sim step carries several ticks).
 * One send per event-loop turn, even when behind: a venue's socket hands each
 * message to its own callback, with every microtask drained in between, so a
 * driver that sends its backlog back to back would starve the code under test
 * and measure a queue no real feed builds. A driver that falls behind sends
 * fewer units than asked, which the achieved rate and the lag show.
 */
export function paceConstantRate(
  ratePerSec: number,
  durationMs: number,
  send: () => number | Promise<number>,
  /** "immediate" (default) yields with setImmediate; "timer" sleeps 1 ms between turns (low rates, no spinning). */
  mode: "immediate" | "timer" = "immediate",
): Promise<PaceResult> {
  const lag = newHistogram();
  const start = performance.now();
  const end = start + durationMs;
  let sent = 0;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      try {
        let now = performance.now();
        const intended = start + (sent / ratePerSec) * 1000;
        const due = intended <= now;
        if (due && now < end) {
          record(lag, (now - intended) * 1e6);
          sent += await send();
          now = performance.now();
        }
        if (now >= end) resolve({ sent, elapsedMs: now - start, lag });
        else if (mode === "timer" && !due) setTimeout(tick, 1);
        else setImmediate(tick);
      } catch (error) {
        reject(error);
      }
    };
    setImmediate(tick);
  });
}
