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
 * The loop yields to the event loop between calls (setImmediate, or a 1 ms
 * timer for low rates), so the code under test keeps running in the same
 * thread; how late each call was is recorded, so a driver that could not keep
 * the rate shows it.
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
        while (now < end) {
          const intended = start + (sent / ratePerSec) * 1000;
          if (intended > now) break;
          record(lag, (now - intended) * 1e6);
          sent += await send();
          now = performance.now();
        }
        if (now >= end) resolve({ sent, elapsedMs: now - start, lag });
        else if (mode === "timer") setTimeout(tick, 1);
        else setImmediate(tick);
      } catch (error) {
        reject(error);
      }
    };
    setImmediate(tick);
  });
}
