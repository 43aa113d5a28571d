import { loadavg } from "node:os";
import type { LatencySummary } from "../lib/hist.ts";
import { type Context, type Figure, fmt, type Outcome, runWorker, type Scenario, type Table } from "../lib/scenario.ts";
import { median } from "../lib/stats.ts";
import { logChart } from "../lib/svg.ts";

/** One tick-to-order worker run (the fields of its result this scenario reads). */
interface Run {
  achievedTicksPerSec: number;
  ordersPerSec: number;
  rejected: number;
  latency: LatencySummary;
}

interface BaselineRun {
  achievedPerSec: number;
  latency: LatencySummary;
}

/** A measured load: every repetition at one tick rate and strategy count, and their medians. */
interface Point {
  rate: number;
  strategies: number;
  runs: Run[];
  achieved: number;
  /** The worst repetition's feed rate: a rate counts as held only when every repetition held it. */
  achievedMin: number;
  ordersPerSec: number;
  rejected: number;
  orders: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  /** The machine's 1-minute load average as the repetitions started (median): how busy the 2 cores were. */
  load1: number;
}

/** The rates and strategy counts of the issue; 3 strategies is the platform's default (one per sim symbol). */
export const SWEEP_RATES = [1_000, 10_000, 50_000, 100_000];
export const SWEEP_STRATEGIES = [1, 3, 10, 100];
export const STRATEGIES_RATE = 10_000;
export const DEFAULT_STRATEGIES = 3;
/** The search steps up this ladder (default strategies) until a rate is not held. */
export const SEARCH_RATES = [1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000];
export const SEARCH_P99_US = 1_000;
/** The feed holds a rate when it publishes at least this share of it (as target 1d: 9.8k of 10k). */
export const HELD_SHARE = 0.98;

/** Why a measured point does not hold its rate, or null when it does. */
export function missReason(point: Pick<Point, "rate" | "achievedMin" | "p99Us">): string | null {
  if (point.achievedMin < point.rate * HELD_SHARE)
    return `the feed fell short (${Math.round(point.achievedMin)} ticks/s in the worst repetition)`;
  if (!Number.isFinite(point.p99Us)) return "no order to time";
  if (point.p99Us > SEARCH_P99_US) return `p99 ${fmt(point.p99Us, 0)} us > ${SEARCH_P99_US} us`;
  return null;
}

/**
 * Walks `ladder` upwards and returns the highest rate held before the first
 * rate that is not (a rate above a miss is never tried: the search stops).
 */
export async function searchHeldRate(
  ladder: number[],
  measure: (rate: number) => Promise<Pick<Point, "rate" | "achievedMin" | "p99Us">>,
): Promise<{ held: number | null; stoppedAt: number | null; reason: string | null }> {
  let held: number | null = null;
  for (const rate of ladder) {
    const reason = missReason(await measure(rate));
    if (reason) return { held, stoppedAt: rate, reason };
    held = rate;
  }
  return { held, stoppedAt: null, reason: null };
}

const kilo = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

/** A repetition in which no tick caused an order has no latency (its histogram reads 0, which is not a time). */
const timed = (r: Run, pick: (l: LatencySummary) => number) => (r.latency.count > 0 ? pick(r.latency) : Number.NaN);

/** The median over the repetitions that timed an order; NaN when none did. */
const medianTimed = (runs: Run[], pick: (l: LatencySummary) => number) =>
  median(runs.map((r) => timed(r, pick)).filter(Number.isFinite));

function summarizePoint(rate: number, strategies: number, runs: Run[], loads: number[]): Point {
  return {
    load1: median(loads),
    rate,
    strategies,
    runs,
    achieved: median(runs.map((r) => r.achievedTicksPerSec)),
    achievedMin: Math.min(...runs.map((r) => r.achievedTicksPerSec)),
    ordersPerSec: median(runs.map((r) => r.ordersPerSec)),
    rejected: median(runs.map((r) => r.rejected)),
    orders: median(runs.map((r) => r.latency.count)),
    p50Us: medianTimed(runs, (l) => l.p50Us),
    p99Us: medianTimed(runs, (l) => l.p99Us),
    p999Us: medianTimed(runs, (l) => l.p999Us),
  };
}

export function scaleScenario(): Scenario {
  const settings = (ctx: Context) => (ctx.smoke ? { seconds: 1, warmup: 1 } : { seconds: 8, warmup: 2 });
  return {
    id: "scale",
    title: "Scale: tick-to-order against tick rate and strategy count, and the highest rate held at p99 <= 1 ms",
    async run(ctx): Promise<Outcome> {
      const { seconds, warmup } = settings(ctx);
      const timing = [`--seconds=${seconds}`, `--warmup=${warmup}`];
      // Every (rate, strategies) is measured once per run: the sweeps and the search share points.
      const points = new Map<string, Point>();
      const measure = async (rate: number, strategies: number): Promise<Point> => {
        const key = `${rate}/${strategies}`;
        const known = points.get(key);
        if (known) return known;
        const runs: Run[] = [];
        const loads: number[] = [];
        for (let rep = 1; rep <= ctx.reps; rep++) {
          loads.push(loadavg()[0] ?? Number.NaN);
          ctx.log(`scale rep ${rep}/${ctx.reps}: ${rate} ticks/s, ${strategies} strategies, ${seconds} s`);
          runs.push(
            (await runWorker("tick-to-order.ts", [`--rate=${rate}`, `--strategies=${strategies}`, ...timing], {
              name: "scale-tick-to-order",
            })) as unknown as Run,
          );
        }
        const point = summarizePoint(rate, strategies, runs, loads);
        points.set(key, point);
        return point;
      };

      const byRate: Point[] = [];
      const baselines = new Map<number, BaselineRun[]>();
      for (const rate of SWEEP_RATES) {
        byRate.push(await measure(rate, DEFAULT_STRATEGIES));
        const runs: BaselineRun[] = [];
        for (let rep = 1; rep <= ctx.reps; rep++) {
          ctx.log(`scale rep ${rep}/${ctx.reps}: bare chain baseline at ${rate}/s`);
          runs.push(
            (await runWorker("baseline-chain.ts", [`--rate=${rate}`, ...timing], {
              name: "scale-baseline-chain",
            })) as unknown as BaselineRun,
          );
        }
        baselines.set(rate, runs);
      }
      const byStrategies: Point[] = [];
      for (const strategies of SWEEP_STRATEGIES) byStrategies.push(await measure(STRATEGIES_RATE, strategies));
      const search = await searchHeldRate(SEARCH_RATES, (rate) => measure(rate, DEFAULT_STRATEGIES));
      const held = search.held === null ? null : (points.get(`${search.held}/${DEFAULT_STRATEGIES}`) as Point);

      const base = (rate: number, pick: (r: BaselineRun) => number) => median((baselines.get(rate) ?? []).map(pick));
      const rateTable: Table = {
        title: `Against the tick rate (${DEFAULT_STRATEGIES} strategies; medians of the repetitions; latency in microseconds)`,
        headers: [
          "ticks/s asked",
          "achieved (median / worst)",
          "orders/s",
          "p50",
          "p99",
          "p99.9",
          "bare chain p50",
          "bare chain p99",
          "bare chain achieved/s",
          "load (1 min)",
        ],
        rows: byRate.map((p) => [
          p.rate,
          `${fmt(p.achieved, 0)} / ${fmt(p.achievedMin, 0)}`,
          fmt(p.ordersPerSec, 0),
          fmt(p.p50Us, 1),
          fmt(p.p99Us, 1),
          fmt(p.p999Us, 1),
          fmt(
            base(p.rate, (r) => r.latency.p50Us),
            1,
          ),
          fmt(
            base(p.rate, (r) => r.latency.p99Us),
            1,
          ),
          fmt(
            base(p.rate, (r) => r.achievedPerSec),
            0,
          ),
          fmt(p.load1, 1),
        ]),
      };
      const strategyTable: Table = {
        title: `Against the number of strategies (${STRATEGIES_RATE} ticks/s asked; medians; microseconds)`,
        headers: [
          "strategies",
          "achieved ticks/s (median / worst)",
          "orders/s",
          "orders timed",
          "rejected",
          "p50",
          "p99",
          "p99.9",
          "load (1 min)",
        ],
        rows: byStrategies.map((p) => [
          p.strategies,
          `${fmt(p.achieved, 0)} / ${fmt(p.achievedMin, 0)}`,
          fmt(p.ordersPerSec, 0),
          fmt(p.orders, 0),
          fmt(p.rejected, 0),
          fmt(p.p50Us, 1),
          fmt(p.p99Us, 1),
          fmt(p.p999Us, 1),
          fmt(p.load1, 1),
        ]),
      };
      const searched = SEARCH_RATES.map((rate) => points.get(`${rate}/${DEFAULT_STRATEGIES}`)).filter(
        (p): p is Point => p !== undefined,
      );
      const searchTable: Table = {
        title: `Search: the ladder stepped up until p99 > ${SEARCH_P99_US} us or the feed published less than ${HELD_SHARE * 100}% of the rate asked (rates above the stop, if listed, come from the sweep)`,
        headers: ["ticks/s asked", "achieved (worst repetition)", "p99 us", "verdict", "load (1 min)"],
        rows: searched.map((p) => [
          p.rate,
          fmt(p.achievedMin, 0),
          fmt(p.p99Us, 1),
          missReason(p) ?? "held",
          fmt(p.load1, 1),
        ]),
      };

      // Plotted at the rate asked; a point whose feed fell short of it is hollow (its load was lighter).
      const short = (rate: number, achieved: number) => achieved < rate * HELD_SHARE;
      const asked = (p: Point, y: number) => ({ x: p.rate, y, open: short(p.rate, p.achievedMin) });
      const baseAsked = (rate: number, pick: (r: BaselineRun) => number) => ({
        x: rate,
        y: base(rate, pick),
        open: short(rate, Math.min(...(baselines.get(rate) ?? []).map((r) => r.achievedPerSec))),
      });
      const ratePoints = [...points.values()].filter((p) => p.strategies === DEFAULT_STRATEGIES);
      const figures: Figure[] = [
        {
          file: "scale-rate.svg",
          title: "Tick-to-order latency against the tick rate asked (log-log; hollow: the feed fell short of it)",
          svg: logChart({
            title: `Tick-to-order latency against load (${DEFAULT_STRATEGIES} strategies)`,
            xLabel: "ticks/s asked of the feed",
            yLabel: "latency",
            xTicks: SEARCH_RATES.filter((r) => r <= Math.max(...ratePoints.map((p) => p.rate))),
            openNote: "feed below 98%\nof the rate asked",
            formatX: kilo,
            series: [
              { name: "JTS p50", color: "#1f77b4", points: ratePoints.map((p) => asked(p, p.p50Us)) },
              { name: "JTS p99", color: "#d62728", points: ratePoints.map((p) => asked(p, p.p99Us)) },
              {
                name: "bare chain p50",
                color: "#1f77b4",
                dashed: true,
                points: SWEEP_RATES.map((rate) => baseAsked(rate, (r) => r.latency.p50Us)),
              },
              {
                name: "bare chain p99",
                color: "#d62728",
                dashed: true,
                points: SWEEP_RATES.map((rate) => baseAsked(rate, (r) => r.latency.p99Us)),
              },
            ],
            rules: [{ y: SEARCH_P99_US, label: "1 ms (search limit)" }],
          }),
        },
        {
          file: "scale-strategies.svg",
          title: "Tick-to-order latency against the number of strategies (log-log)",
          svg: logChart({
            title: `Tick-to-order latency against strategies (${kilo(STRATEGIES_RATE)} ticks/s asked)`,
            xLabel: "strategies",
            yLabel: "latency",
            xTicks: SWEEP_STRATEGIES,
            formatX: String,
            series: [
              {
                name: "JTS p50",
                color: "#1f77b4",
                points: byStrategies.map((p) => ({ ...asked(p, p.p50Us), x: p.strategies })),
              },
              {
                name: "JTS p99",
                color: "#d62728",
                points: byStrategies.map((p) => ({ ...asked(p, p.p99Us), x: p.strategies })),
              },
            ],
            openNote: "feed below 98%\nof the rate asked",
            rules: [{ y: SEARCH_P99_US, label: "1 ms" }],
          }),
        },
      ];

      const metric = (list: Point[], pick: (p: Point) => number[], label: (p: Point) => string) =>
        Object.fromEntries(list.map((p) => [label(p), pick(p)]));
      return {
        metrics: {
          heldTicksPerSec: [search.held ?? 0],
          heldAchievedTicksPerSec: [held?.achievedMin ?? 0],
          ...metric(
            byRate,
            (p) => p.runs.map((r) => timed(r, (l) => l.p99Us)),
            (p) => `p99Us@${kilo(p.rate)}`,
          ),
          ...metric(
            byRate,
            (p) => p.runs.map((r) => r.achievedTicksPerSec),
            (p) => `achieved@${kilo(p.rate)}`,
          ),
          ...metric(
            byStrategies,
            (p) => p.runs.map((r) => timed(r, (l) => l.p99Us)),
            (p) => `p99Us@${p.strategies}strategies`,
          ),
        },
        tables: [rateTable, strategyTable, searchTable],
        figures,
        notes: [
          held
            ? `Highest rate held with p99 <= 1 ms: **${held.rate} ticks/s** (the feed achieved ${fmt(held.achievedMin, 0)} ticks/s in its worst repetition; p99 ${fmt(held.p99Us, 1)} us). ${search.stoppedAt ? `The next step, ${search.stoppedAt} ticks/s, missed: ${search.reason}.` : "The top of the ladder held; the limit lies above it."}`
            : `No rate of the ladder held with p99 <= 1 ms: at ${search.stoppedAt} ticks/s ${search.reason}.`,
          "Each point is the tick-to-order worker (`bench/src/workers/tick-to-order.ts --rate=R --strategies=N`): `just dev`'s composition in one process, latency from the tick's tsInit to the broker's ack in the OMS, for the ticks that caused an order (so the orders/s column says how many samples a percentile rests on). The bare chain is `baseline-chain.ts` at the same rates, in the same run.",
          "More strategies than the three defaults are moving-average crossovers added round-robin over the sim symbols with their own periods (fast 3..7, slow 15..34); fewer stop the later defaults. A rate counts as held only when every repetition's feed published at least 98% of it, so no point is credited with a quieter feed than asked; the plots put each point at the rate asked and draw it hollow when the feed fell short of it (its achieved rate is in the tables).",
        ],
        details: {
          points: [...points.values()].map(({ runs, ...p }) => ({ ...p, runs: runs.length })),
          search,
          baselines: Object.fromEntries(baselines),
        },
      };
    },
  };
}
