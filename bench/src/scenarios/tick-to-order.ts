import type { LatencySummary } from "../lib/hist.ts";
import { type Context, fmt, profileWorker, runWorker, type Scenario, type Table } from "../lib/scenario.ts";
import { median } from "../lib/stats.ts";

interface Run {
  achievedTicksPerSec: number;
  ordersPerSec: number;
  rejected: number;
  latency: LatencySummary;
  tickToDecision: LatencySummary;
  driverLag: LatencySummary;
  stages: Record<string, LatencySummary>;
  rssMB: number;
}

const STAGE_NOTES: Record<string, string> = {
  queue: "tick published -> strategy engine's onTick (bus queue)",
  strategy: "onTick -> order submit (MA update, Signal event, submit call)",
  oms: "submit -> risk.check call (validation, idempotency, insert, NEW event)",
  risk: "risk.check call -> reply (rpc, schema check, rules)",
  "oms-route": "risk reply -> broker.place call",
  broker: "broker.place call -> ack in the OMS (rpc, schema check, paper fill)",
};

export function tickToOrderScenario(): Scenario {
  const settings = (ctx: Context) => (ctx.smoke ? { seconds: 2, warmup: 1 } : { seconds: 20, warmup: 5 });
  return {
    id: "tick-to-order",
    title: "1. Tick-to-order in one process (10k ticks/s)",
    async run(ctx) {
      const { seconds, warmup } = settings(ctx);
      const rate = 10_000;
      const runs: Run[] = [];
      const baselines: Array<{ latency: LatencySummary; achievedPerSec: number }> = [];
      for (let rep = 1; rep <= ctx.reps; rep++) {
        ctx.log(`tick-to-order rep ${rep}/${ctx.reps}: platform at ${rate} ticks/s for ${seconds} s`);
        runs.push(
          (await runWorker("tick-to-order.ts", [
            `--rate=${rate}`,
            `--seconds=${seconds}`,
            `--warmup=${warmup}`,
          ])) as unknown as Run,
        );
        ctx.log(`tick-to-order rep ${rep}/${ctx.reps}: bare chain baseline`);
        baselines.push(
          (await runWorker("baseline-chain.ts", [
            `--rate=${rate}`,
            `--seconds=${seconds}`,
            `--warmup=${warmup}`,
          ])) as unknown as {
            latency: LatencySummary;
            achievedPerSec: number;
          },
        );
      }
      const stageTable: Table = {
        title: "Where the time goes, by stage (median over repetitions, microseconds)",
        headers: ["stage", "what it covers", "p50", "p99", "p99.9"],
        rows: Object.keys(STAGE_NOTES).map((stage) => [
          stage,
          STAGE_NOTES[stage] as string,
          fmt(median(runs.map((r) => r.stages[stage]?.p50Us ?? Number.NaN)), 2),
          fmt(median(runs.map((r) => r.stages[stage]?.p99Us ?? Number.NaN)), 1),
          fmt(median(runs.map((r) => r.stages[stage]?.p999Us ?? Number.NaN)), 1),
        ]),
      };
      const baselineTable: Table = {
        title:
          "Platform against the issue's yardstick (bare chain of four async handlers with compiled schema checks, same rate, same run)",
        headers: ["", "p50 us", "p99 us", "p99.9 us", "max us"],
        rows: [
          [
            "JTS tick-to-ack",
            ...["p50Us", "p99Us", "p999Us", "maxUs"].map((k) =>
              fmt(median(runs.map((r) => r.latency[k as keyof LatencySummary])), 1),
            ),
          ],
          [
            "bare chain",
            ...["p50Us", "p99Us", "p999Us", "maxUs"].map((k) =>
              fmt(median(baselines.map((r) => r.latency[k as keyof LatencySummary])), 1),
            ),
          ],
          [
            "tick -> strategy, every tick",
            ...["p50Us", "p99Us", "p999Us", "maxUs"].map((k) =>
              fmt(median(runs.map((r) => r.tickToDecision[k as keyof LatencySummary])), 1),
            ),
          ],
          [
            "driver lag (tick source)",
            ...["p50Us", "p99Us", "p999Us", "maxUs"].map((k) =>
              fmt(median(runs.map((r) => r.driverLag[k as keyof LatencySummary])), 1),
            ),
          ],
        ],
      };
      return {
        metrics: {
          p50Us: runs.map((r) => r.latency.p50Us),
          p99Us: runs.map((r) => r.latency.p99Us),
          p999Us: runs.map((r) => r.latency.p999Us),
          maxUs: runs.map((r) => r.latency.maxUs),
          achievedTicksPerSec: runs.map((r) => r.achievedTicksPerSec),
          ordersPerSec: runs.map((r) => r.ordersPerSec),
          orders: runs.map((r) => r.latency.count),
          baselineP50Us: baselines.map((r) => r.latency.p50Us),
          baselineP99Us: baselines.map((r) => r.latency.p99Us),
          rssMB: runs.map((r) => r.rssMB),
        },
        tables: [baselineTable, stageTable],
        notes: [
          "Composition: bootPlatform (all services of `just dev`, JTS_STORAGE=memory so orders stay in the process), default MA(5/20) strategies on every sim symbol, STRATEGY_COOLDOWN_MS=0 so crossovers become orders. The sim feed's own publishStep is driven at 10k ticks/s (its quotes come along).",
          "Latency = tick envelope tsInit -> broker ack back in the OMS, for every tick that caused an order; the bench wraps bus.publish, the engine's onTick and rpc.request to stamp them (no service code changed).",
        ],
        details: { runs, baselines },
      };
    },
    async profile(ctx) {
      const { warmup } = settings(ctx);
      return profileWorker("tick-to-order.ts", [
        "--rate=10000",
        `--seconds=${ctx.smoke ? 2 : 10}`,
        `--warmup=${warmup}`,
      ]);
    },
  };
}
