import type { FakeLimit } from "./fake-venue.ts";
import type { WindowMeter } from "./window-meter.ts";

/**
 * What referees a proof: the fake's meter of every call that arrived, and its
 * count of calls it refused for going over a limit. The kit's FakeVenue is one;
 * a fake of another shape (Creon's bridge) carries the same three fields.
 */
export interface LimitsReferee {
  readonly meter: WindowMeter;
  readonly counts: { limited: number };
  /** Set false by the proof: a load run keeps no request log. */
  keepRequests: boolean;
}

/** One replica under test: its own client and limiter instance, sharing the limiter's store with the others. */
export interface ProofReplica {
  /** Workers that each call the venue in a loop, as fast as the client lets them (in this process). */
  workers?: Array<() => Promise<unknown>>;
  /** A replica running elsewhere (another process) until the deadline, reporting its counts. */
  run?: () => Promise<{ calls: number; failures: number }>;
  /** Stop at the deadline: calls waiting for the limiter give up (RateGate.close). */
  stop(): void;
  close(): Promise<void>;
}

export interface LimitsProofOptions {
  venue: LimitsReferee;
  /** The venue's real limits, as the fake measures them (sliding windows, the strictest reading). */
  limits: FakeLimit[];
  replicas: number;
  durationMs: number;
  createReplica(index: number): Promise<ProofReplica>;
  /** Share of each limit that must be used; default 0.9. */
  minUse?: number;
}

export interface LimitReading {
  group: string;
  limit: number;
  windowMs: number;
  /** Most weight the fake saw in any window: must not pass `limit`. */
  peak: number;
  total: number;
  /** What a perfect client could send in the run: limit per window, at least one window. */
  capacity: number;
  /** total / capacity. */
  use: number;
  ok: boolean;
}

export interface LimitsProofResult {
  ok: boolean;
  durationMs: number;
  calls: number;
  failures: number;
  /** 429s the fake had to answer: a correct client causes none. */
  refusedByVenue: number;
  readings: LimitReading[];
}

/**
 * Several replicas hammer the fake venue for a while; the fake's meter is the
 * referee. Passes when no window of any limit held more than the limit and
 * each limit was used to at least `minUse` of what the run allowed.
 */
export async function runLimitsProof(options: LimitsProofOptions): Promise<LimitsProofResult> {
  const venue = options.venue;
  venue.keepRequests = false;
  venue.meter.reset();
  const limitedBefore = venue.counts.limited;
  const replicas = await Promise.all(Array.from({ length: options.replicas }, (_, i) => options.createReplica(i)));
  const started = performance.now();
  const until = started + options.durationMs;
  const running = Promise.all(
    replicas.map((replica) => (replica.run ? replica.run() : driveWorkers(replica.workers ?? [], until))),
  );
  await Bun.sleep(options.durationMs);
  for (const replica of replicas) replica.stop();
  const counts = await running;
  const calls = counts.reduce((sum, c) => sum + c.calls, 0);
  const failures = counts.reduce((sum, c) => sum + c.failures, 0);
  const durationMs = performance.now() - started;
  await Promise.all(replicas.map((r) => r.close()));
  const minUse = options.minUse ?? 0.9;
  const readings = options.limits.map((limit): LimitReading => {
    const peak = venue.meter.peak(limit.group, limit.windowMs);
    const total = venue.meter.total(limit.group);
    const capacity = limit.limit * Math.max(1, options.durationMs / limit.windowMs);
    const use = total / capacity;
    return { ...limit, peak, total, capacity: Math.round(capacity), use, ok: peak <= limit.limit && use >= minUse };
  });
  const refusedByVenue = venue.counts.limited - limitedBefore;
  return {
    ok: readings.every((r) => r.ok) && refusedByVenue === 0,
    durationMs,
    calls,
    failures,
    refusedByVenue,
    readings,
  };
}

/** Calls each worker in a loop until `until` (performance.now time); what a replica does, in or out of process. */
export async function driveWorkers(
  workers: Array<() => Promise<unknown>>,
  until: number,
): Promise<{ calls: number; failures: number }> {
  let calls = 0;
  let failures = 0;
  const loop = async (work: () => Promise<unknown>) => {
    while (performance.now() < until) {
      try {
        await work();
        calls++;
      } catch {
        if (performance.now() >= until) break;
        failures++;
        await Bun.sleep(5);
      }
    }
  };
  await Promise.all(workers.map(loop));
  return { calls, failures };
}

/**
 * A replica in a child process: `command` must wait until `--start` (epoch
 * ms), drive its workers for `--ms`, and print `{"calls":n,"failures":m}` as
 * its last line. All children get the same start, so they run side by side
 * over exactly the proof's duration.
 */
export function processReplica(command: string[], startAtMs: number, durationMs: number): ProofReplica {
  return {
    async run() {
      const proc = Bun.spawn([...command, "--start", String(startAtMs), "--ms", String(durationMs)], {
        stdout: "pipe",
        stderr: "inherit",
      });
      const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
      if (code !== 0) throw new Error(`replica ${command.join(" ")} exited ${code}`);
      return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { calls: number; failures: number };
    },
    stop: () => undefined,
    close: async () => undefined,
  };
}

/** The child side of `processReplica`: reads `--start` and `--ms`, drives the workers, prints the counts. */
export async function runReplicaProcess(argv: string[], workers: Array<() => Promise<unknown>>, stop: () => void) {
  const arg = (name: string) => Number(argv[argv.indexOf(name) + 1]);
  const startAt = arg("--start");
  const durationMs = arg("--ms");
  await Bun.sleep(Math.max(0, startAt - Date.now()));
  const until = performance.now() + durationMs;
  setTimeout(stop, durationMs);
  const counts = await driveWorkers(workers, until);
  console.log(JSON.stringify(counts));
}

export function formatProof(title: string, result: LimitsProofResult): string {
  const lines = [
    `${title}: ${result.ok ? "PASS" : "FAIL"} in ${(result.durationMs / 1000).toFixed(1)} s, ${result.calls} calls, ${result.failures} client errors, ${result.refusedByVenue} venue 429s`,
  ];
  for (const r of result.readings)
    lines.push(
      `  ${r.group.padEnd(14)} limit ${r.limit}/${r.windowMs} ms  peak ${r.peak} (${((r.peak / r.limit) * 100).toFixed(1)}%)  total ${r.total} of ${r.capacity} (${(r.use * 100).toFixed(1)}%)  ${r.ok ? "ok" : "FAIL"}`,
    );
  return lines.join("\n");
}
