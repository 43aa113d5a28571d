import { join } from "node:path";
import { LIMITS } from "../lib/limits.ts";
import { ROOT_DIR } from "../lib/paths.ts";
import { runToResult } from "../lib/proc.ts";
import { fmt, type Outcome, type Scenario } from "../lib/scenario.ts";
import { cleanNamespace, ensureServers } from "../lib/servers.ts";
import { maxSlidingSum, median } from "../lib/stats.ts";

interface ReplicaResult {
  grants: Record<keyof typeof LIMITS, Array<[number, number]>>;
  calls: number;
  refusals: number;
  errors: number;
}

interface Evaluation {
  maxSliding: number;
  maxFixed: number;
  used: number;
  capacity: number;
  usage: number;
}

/** The venue's view: the largest use of any window (sliding and clock-aligned) and the share of the limit used. */
function evaluate(
  events: Array<{ t: number; weight: number }>,
  startEpochMs: number,
  seconds: number,
  limit: (typeof LIMITS)[keyof typeof LIMITS],
): Evaluation {
  events.sort((a, b) => a.t - b.t);
  const fixed = new Map<number, number>();
  for (const e of events) {
    const window = Math.floor((startEpochMs + e.t) / limit.windowMs);
    fixed.set(window, (fixed.get(window) ?? 0) + e.weight);
  }
  const used = events.reduce((n, e) => n + e.weight, 0);
  const capacity = limit.venueLimit * ((seconds * 1000) / limit.windowMs);
  return {
    maxSliding: maxSlidingSum(events, limit.windowMs),
    maxFixed: Math.max(0, ...fixed.values()),
    used,
    capacity,
    usage: used / capacity,
  };
}

export function rateLimiterScenario(): Scenario {
  return {
    id: "rate-limiter",
    title: "7. Rate limiter: three replicas sharing Redis for 60 s",
    async run(ctx): Promise<Outcome> {
      const seconds = ctx.smoke ? 3 : 60;
      const { urls, failed } = await ensureServers(["redis"]);
      if (!urls.REDIS_URL)
        return { metrics: {}, unavailable: { weightMaxWindow: `Redis did not start: ${JSON.stringify(failed)}` } };
      const evaluations: Array<
        Record<keyof typeof LIMITS, Evaluation> & { refusals: number; errors: number; calls: number }
      > = [];
      for (let rep = 1; rep <= ctx.reps; rep++) {
        ctx.log(`rate-limiter rep ${rep}/${ctx.reps}: 3 replicas for ${seconds} s`);
        const prefix = `jts:bench-rl-${process.pid}-${rep}:rl`;
        const start = Math.round(performance.timeOrigin + performance.now() + 2000);
        const replicas = (await Promise.all(
          [1, 2, 3].map((i) =>
            runToResult(`rate-limiter-replica-${i}`, [
              "bun",
              join(ROOT_DIR, "bench/src/workers/limiter-replica.ts"),
              `--redis=${urls.REDIS_URL}`,
              `--prefix=${prefix}`,
              `--start=${start}`,
              `--seconds=${seconds}`,
            ]),
          ),
        )) as unknown as ReplicaResult[];
        await cleanNamespace(`bench-rl-${process.pid}-${rep}`, { REDIS_URL: urls.REDIS_URL });
        const events = (name: keyof typeof LIMITS) =>
          replicas.flatMap((r) => r.grants[name].map(([t, weight]) => ({ t, weight })));
        evaluations.push({
          weight: evaluate(events("weight"), start, seconds, LIMITS.weight),
          orders: evaluate(events("orders"), start, seconds, LIMITS.orders),
          refusals: replicas.reduce((n, r) => n + r.refusals, 0),
          errors: replicas.reduce((n, r) => n + r.errors, 0),
          calls: replicas.reduce((n, r) => n + r.calls, 0),
        });
      }
      const row = (name: keyof typeof LIMITS, label: string) => {
        const limit = LIMITS[name];
        return [
          label,
          `${limit.venueLimit} / ${limit.windowMs / 1000} s`,
          `${limit.capacity} + ${limit.refillPerSecond}/s`,
          String(Math.max(...evaluations.map((e) => e[name].maxSliding))),
          String(Math.max(...evaluations.map((e) => e[name].maxFixed))),
          `${fmt(median(evaluations.map((e) => e[name].usage * 100)), 1)}% (${fmt(Math.min(...evaluations.map((e) => e[name].usage * 100)), 1)}-${fmt(Math.max(...evaluations.map((e) => e[name].usage * 100)), 1)})`,
        ];
      };
      return {
        metrics: {
          weightMaxWindow: evaluations.map((e) => Math.max(e.weight.maxSliding, e.weight.maxFixed)),
          weightUsage: evaluations.map((e) => e.weight.usage * 100),
          ordersMaxWindow: evaluations.map((e) => Math.max(e.orders.maxSliding, e.orders.maxFixed)),
          ordersUsage: evaluations.map((e) => e.orders.usage * 100),
          limiterErrors: evaluations.map((e) => e.errors),
        },
        tables: [
          {
            title: `Three replicas, ${seconds} s, ${ctx.reps} repetitions (worst window over all repetitions; usage median and range)`,
            headers: [
              "venue limit",
              "limit",
              "bucket (capacity + refill)",
              "most used in any sliding window",
              "most used in any clock-aligned window",
              "share of the limit used",
            ],
            rows: [
              row("weight", "Binance REQUEST_WEIGHT (requests weigh 1, 2, 4 or 20)"),
              row("orders", "Binance orders"),
            ],
          },
        ],
        notes: [
          "Each replica is its own process running the platform's RedisRateLimiter (one Lua script per take, Redis's clock) from 4 concurrent workers per limit; a refused take waits the answered retryAfterMs. A grant is timed when its answer arrives (when the replica would send to the venue) and every window is checked from those times: sliding windows of the venue's length and windows aligned to the clock, as Binance counts them.",
          "Usage = granted / (limit x run length / window). The buckets are sized in bench/src/lib/limits.ts so that capacity + refill x window stays just under the venue's limit: they are the configuration the connectors issue (9) will need, the limiter itself is the platform's.",
        ],
        details: evaluations,
      };
    },
  };
}
