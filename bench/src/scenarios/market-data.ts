import { fmt, type Outcome, profileWorker, runWorker, type Scenario } from "../lib/scenario.ts";
import { median } from "../lib/stats.ts";

interface NormalizeRun {
  referenceFramesPerSec: number;
  jsonParseOnlyPerSec: number;
  uncheckedMappingPerSec: number;
  platformParser: string | null;
  platformFramesPerSec: number | null;
  platformError: string | null;
}

export function binanceNormalizeScenario(): Scenario {
  return {
    id: "binance-normalize",
    title: "5a. Market data: Binance trade frames normalized to contracts Ticks",
    async run(ctx): Promise<Outcome> {
      const runs: NormalizeRun[] = [];
      for (let rep = 1; rep <= ctx.reps; rep++) {
        ctx.log(`binance-normalize rep ${rep}/${ctx.reps}`);
        runs.push(
          (await runWorker("binance-normalize.ts", [`--seconds=${ctx.smoke ? 0.3 : 3}`])) as unknown as NormalizeRun,
        );
      }
      const platform = runs[0]?.platformParser ?? null;
      const error = runs.find((r) => r.platformError)?.platformError ?? null;
      const unavailable: Record<string, string> = {};
      if (!platform)
        unavailable.framesPerSec =
          "the tree has no Binance connector yet (services/brokers/binance, issue 9), so there is no platform parser to measure; the reference parser below shows what the contracts' checks cost";
      else if (error) unavailable.framesPerSec = error;
      return {
        metrics: {
          ...(platform && !error ? { framesPerSec: runs.map((r) => r.platformFramesPerSec ?? Number.NaN) } : {}),
          referenceFramesPerSec: runs.map((r) => r.referenceFramesPerSec),
          jsonParseOnlyPerSec: runs.map((r) => r.jsonParseOnlyPerSec),
          uncheckedMappingPerSec: runs.map((r) => r.uncheckedMappingPerSec),
        },
        unavailable,
        tables: [
          {
            title: "Frames per second, one core (median of repetitions)",
            headers: ["parser", "frames/s"],
            rows: [
              ...(platform
                ? [[`platform: ${platform}`, fmt(median(runs.map((r) => r.platformFramesPerSec ?? Number.NaN)), 0)]]
                : []),
              [
                "reference (bench): JSON.parse, decimal checks (fx.toFixed), ms->ns (BigInt), compiled Tick schema",
                fmt(median(runs.map((r) => r.referenceFramesPerSec)), 0),
              ],
              [
                "the same mapping without the decimal and schema checks",
                fmt(median(runs.map((r) => r.uncheckedMappingPerSec)), 0),
              ],
              ["JSON.parse alone (floor)", fmt(median(runs.map((r) => r.jsonParseOnlyPerSec)), 0)],
            ],
          },
        ],
        notes: ["Frames: 100k distinct documented trade payloads over six symbols, parsed in a loop after a warm-up."],
        details: runs,
      };
    },
    profile: (ctx) => profileWorker("binance-normalize.ts", [`--seconds=${ctx.smoke ? 0.3 : 2}`]),
  };
}

interface IngestRun {
  ticks: number;
  ticksPerSec: number;
  writeTickLoopMs: number;
  flushMs: number;
  batches: number;
  rowsWritten: number;
  failedFlushes: number;
  rowsDropped: number;
  queries: Array<{ interval: string; limit: number; bars: number; medianMs: number }>;
  engine: string;
}

export function clickhouseIngestScenario(): Scenario {
  const ticks = (smoke: boolean) => (smoke ? 5_000 : 500_000);
  return {
    id: "clickhouse-ingest",
    title: "5b. Market data: ticks into ClickHouse (chdb) through the batching writer",
    async run(ctx): Promise<Outcome> {
      const runs: IngestRun[] = [];
      for (let rep = 1; rep <= ctx.reps; rep++) {
        ctx.log(`clickhouse-ingest rep ${rep}/${ctx.reps}: ${ticks(ctx.smoke)} ticks`);
        runs.push((await runWorker("clickhouse-ingest.ts", [`--ticks=${ticks(ctx.smoke)}`])) as unknown as IngestRun);
      }
      const m = (f: (r: IngestRun) => number) => fmt(median(runs.map(f)), 0);
      return {
        metrics: {
          ticksPerSec: runs.map((r) => r.ticksPerSec),
          rowsLost: runs.map((r) => r.ticks - r.rowsWritten),
        },
        tables: [
          {
            title: `Ingest of ${ticks(ctx.smoke)} ticks, 5 symbols (median of repetitions)`,
            headers: [
              "engine",
              "ticks/s",
              "writeTick loop ms",
              "flush ms",
              "batches",
              "failed flushes",
              "rows dropped",
            ],
            rows: [
              [
                runs[0]?.engine ?? "",
                m((r) => r.ticksPerSec),
                m((r) => r.writeTickLoopMs),
                m((r) => r.flushMs),
                m((r) => r.batches),
                m((r) => r.failedFlushes),
                m((r) => r.rowsDropped),
              ],
            ],
          },
          {
            title: "Candle queries over the ingested day (informational; median of 5 queries, median of repetitions)",
            headers: ["interval", "limit", "bars", "ms"],
            rows: (runs[0]?.queries ?? []).map((q, i) => [
              q.interval,
              q.limit,
              q.bars,
              fmt(median(runs.map((r) => r.queries[i]?.medianMs ?? Number.NaN)), 1),
            ]),
          },
        ],
        notes: [
          "openTickStore on a fresh chdb directory (CLICKHOUSE_URL when set): schema with the 1m-candle materialized view, writer batches of 50k rows (its default), one batch in flight. Ingest time = first writeTick to the end of flush(), so every row is stored; each writeTick validates its decimals and time.",
        ],
        details: runs,
      };
    },
    profile: (ctx) => profileWorker("clickhouse-ingest.ts", [`--ticks=${ticks(ctx.smoke)}`]),
  };
}
