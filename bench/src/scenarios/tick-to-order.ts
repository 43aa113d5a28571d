import type { LatencySummary } from "../lib/hist.ts";
import { freshDevDataDir, removeDevStorage } from "../lib/platform.ts";
import { type Context, fmt, profileWorker, runWorker, type Scenario, type Table } from "../lib/scenario.ts";
import { median } from "../lib/stats.ts";

interface Run {
  achievedTicksPerSec: number;
  ordersPerSec: number;
  rejected: number;
  bootSeconds: number;
  latency: LatencySummary;
  tickToDecision: LatencySummary;
  driverLag: LatencySummary;
  stages: Record<string, LatencySummary>;
  rssMB: number;
}

const STAGE_NOTES: Record<string, string> = {
  queue: "tick published -> strategy engine's onTick (bus queue)",
  strategy: "onTick -> order submit (MA update, Signal event, submit call)",
  oms: "submit -> risk.check call (validation, idempotency, insert with the broker binding, NEW event; `just dev`: the INSERT committed in PostgreSQL)",
  risk: "risk.check call -> reply (rpc, schema check, rules)",
  "oms-route":
    "risk reply -> broker.place call (the account's mode read again in memory; no write: the binding came with the insert)",
  broker: "broker.place call -> ack in the OMS (rpc, schema check, paper fill)",
};

/** The worker's compositions; the targets judge the first, `just dev`'s, what users run. */
const COMPOSITIONS = [
  {
    id: "dev",
    label: "`just dev` (embedded PostgreSQL + chdb) - judged",
    note: "`just dev` (judged by 1a-1d): bootPlatform with services/platform/src/main.ts's default JTS_STORAGE=embedded, so orders, positions and documents go to an embedded PostgreSQL and candles and ticks to chdb, under a fresh data directory (removed afterwards, with its PostgreSQL on a free port) - the OMS commits every order in PostgreSQL before it asks risk.",
  },
  {
    id: "memory",
    label: "in memory (JTS_STORAGE=memory)",
    note: "In memory (informational): the same process with JTS_STORAGE=memory, nothing leaves the process; the composition 1a-1d judged before issue 16 and the one the scale scenario sweeps.",
  },
] as const;
type CompositionId = (typeof COMPOSITIONS)[number]["id"];

const LATENCY_KEYS = ["p50Us", "p99Us", "p999Us", "maxUs"] as const;

/** One repetition of the worker on `composition`; `just dev`'s data directory is removed here too, in case the worker was killed. */
async function runComposition(composition: CompositionId, args: string[]): Promise<Run> {
  if (composition === "memory") return (await runWorker("tick-to-order.ts", args)) as unknown as Run;
  const dataDir = freshDevDataDir();
  try {
    return (await runWorker("tick-to-order.ts", [...args, "--composition=dev", `--data-dir=${dataDir}`], {
      name: "tick-to-order-dev",
    })) as unknown as Run;
  } finally {
    await removeDevStorage(dataDir);
  }
}

export function tickToOrderScenario(): Scenario {
  const settings = (ctx: Context) => (ctx.smoke ? { seconds: 2, warmup: 1 } : { seconds: 20, warmup: 5 });
  return {
    id: "tick-to-order",
    title: "1. Tick-to-order in one process (10k ticks/s): `just dev` (judged) and in memory",
    async run(ctx) {
      const { seconds, warmup } = settings(ctx);
      const rate = 10_000;
      const args = [`--rate=${rate}`, `--seconds=${seconds}`, `--warmup=${warmup}`];
      const runs: Record<CompositionId, Run[]> = { dev: [], memory: [] };
      const failed: Partial<Record<CompositionId, string>> = {};
      const baselines: Array<{ latency: LatencySummary; achievedPerSec: number }> = [];
      for (let rep = 1; rep <= ctx.reps; rep++) {
        for (const { id } of COMPOSITIONS) {
          ctx.log(`tick-to-order rep ${rep}/${ctx.reps}: ${id} platform at ${rate} ticks/s for ${seconds} s`);
          try {
            runs[id].push(await runComposition(id, args));
          } catch (error) {
            failed[id] ??= (error as Error).message;
            ctx.log(`tick-to-order ${id} rep ${rep} failed: ${(error as Error).message}`);
          }
        }
        ctx.log(`tick-to-order rep ${rep}/${ctx.reps}: bare chain baseline`);
        baselines.push(
          (await runWorker("baseline-chain.ts", args)) as unknown as {
            latency: LatencySummary;
            achievedPerSec: number;
          },
        );
      }
      const med = (values: number[]) => (values.length > 0 ? median(values) : Number.NaN);
      const summaryRow = (label: string, summaries: LatencySummary[]) => [
        label,
        ...LATENCY_KEYS.map((k) => fmt(med(summaries.map((s) => s[k])), 1)),
      ];
      const stageTable: Table = {
        title: "Where the time goes, by stage (median over repetitions, microseconds)",
        headers: [
          "stage",
          "what it covers",
          ...COMPOSITIONS.flatMap(({ id }) => [`${id} p50`, `${id} p99`, `${id} p99.9`]),
        ],
        rows: Object.keys(STAGE_NOTES).map((stage) => [
          stage,
          STAGE_NOTES[stage] as string,
          ...COMPOSITIONS.flatMap(({ id }) => [
            fmt(med(runs[id].map((r) => r.stages[stage]?.p50Us ?? Number.NaN)), 2),
            fmt(med(runs[id].map((r) => r.stages[stage]?.p99Us ?? Number.NaN)), 1),
            fmt(med(runs[id].map((r) => r.stages[stage]?.p999Us ?? Number.NaN)), 1),
          ]),
        ]),
      };
      const baselineTable: Table = {
        title:
          "Platform against the issue's yardstick (bare chain of four async handlers with compiled schema checks, same rate, same run); the targets judge the first row",
        headers: ["", "p50 us", "p99 us", "p99.9 us", "max us"],
        rows: [
          ...COMPOSITIONS.map(({ id, label }) =>
            failed[id] && runs[id].length === 0
              ? [`JTS tick-to-ack, ${label}`, `failed: ${(failed[id] as string).slice(0, 120)}`, "", "", ""]
              : summaryRow(
                  `JTS tick-to-ack, ${label}`,
                  runs[id].map((r) => r.latency),
                ),
          ),
          summaryRow(
            "bare chain",
            baselines.map((r) => r.latency),
          ),
          ...COMPOSITIONS.flatMap(({ id }) => [
            summaryRow(
              `${id}: tick -> strategy, every tick`,
              runs[id].map((r) => r.tickToDecision),
            ),
            summaryRow(
              `${id}: driver lag (tick source)`,
              runs[id].map((r) => r.driverLag),
            ),
          ]),
        ],
      };
      const compositionTable: Table = {
        title: "Per composition (median over repetitions)",
        headers: ["composition", "ticks/s achieved (worst)", "orders/s", "rejected", "boot s", "RSS MB"],
        rows: COMPOSITIONS.map(({ id, label }) => [
          label,
          fmt(runs[id].length > 0 ? Math.min(...runs[id].map((r) => r.achievedTicksPerSec)) : Number.NaN, 0),
          fmt(med(runs[id].map((r) => r.ordersPerSec)), 0),
          fmt(med(runs[id].map((r) => r.rejected)), 0),
          fmt(med(runs[id].map((r) => r.bootSeconds)), 1),
          fmt(med(runs[id].map((r) => r.rssMB)), 0),
        ]),
      };
      const metrics: Record<string, number[]> = {};
      const unavailable: Record<string, string> = {};
      for (const { id } of COMPOSITIONS) {
        const of = (pick: (r: Run) => number) => runs[id].map(pick);
        Object.assign(metrics, {
          [`${id}P50Us`]: of((r) => r.latency.p50Us),
          [`${id}P99Us`]: of((r) => r.latency.p99Us),
          [`${id}P999Us`]: of((r) => r.latency.p999Us),
          [`${id}MaxUs`]: of((r) => r.latency.maxUs),
          [`${id}AchievedTicksPerSec`]: of((r) => r.achievedTicksPerSec),
          [`${id}OrdersPerSec`]: of((r) => r.ordersPerSec),
          [`${id}Orders`]: of((r) => r.latency.count),
          [`${id}Rejected`]: of((r) => r.rejected),
          [`${id}BootSec`]: of((r) => r.bootSeconds),
          [`${id}RssMB`]: of((r) => r.rssMB),
        });
        // A repetition that failed is not a measurement: the targets say so rather than judge the others alone.
        if (failed[id])
          for (const m of ["P50Us", "P99Us", "P999Us", "AchievedTicksPerSec"])
            unavailable[`${id}${m}`] = `${runs[id].length}/${ctx.reps} repetitions measured: ${failed[id]}`;
      }
      metrics.baselineP50Us = baselines.map((r) => r.latency.p50Us);
      metrics.baselineP99Us = baselines.map((r) => r.latency.p99Us);
      return {
        metrics,
        unavailable,
        tables: [baselineTable, stageTable, compositionTable],
        notes: [
          ...COMPOSITIONS.map((c) => c.note),
          "Both: bootPlatform (every service of `just dev` in one process, LOG_LEVEL=error, in-memory bus, rpc and cache), default MA(5/20) strategies on every sim symbol, STRATEGY_COOLDOWN_MS=0 so crossovers become orders. The sim feed's own publishStep is driven at 10k ticks/s (its quotes come along). Each repetition runs `just dev`, then in memory, then the bare chain.",
          "Latency = tick envelope tsInit -> broker ack back in the OMS, for every tick that caused an order; the bench wraps bus.publish, the engine's onTick and rpc.request to stamp them (no service code changed).",
        ],
        details: { runs, failed, baselines },
      };
    },
    async profile(ctx) {
      // The composition the targets judge: `just dev`'s.
      const { warmup } = settings(ctx);
      const dataDir = freshDevDataDir();
      try {
        return await profileWorker("tick-to-order.ts", [
          "--rate=10000",
          `--seconds=${ctx.smoke ? 2 : 10}`,
          `--warmup=${warmup}`,
          "--composition=dev",
          `--data-dir=${dataDir}`,
        ]);
      } finally {
        await removeDevStorage(dataDir);
      }
    },
  };
}
