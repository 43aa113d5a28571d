import { join } from "node:path";
import type { LatencySummary } from "../lib/hist.ts";
import { decode, merge, summarize } from "../lib/hist.ts";
import { outPath } from "../lib/paths.ts";
import { fmt, type Outcome, readProfile, runWorker, type Scenario, type Table } from "../lib/scenario.ts";
import { median } from "../lib/stats.ts";

interface Run {
  unavailable?: string;
  achievedTicksPerSec: number;
  orders: number;
  unmatched: number;
  rejected: number;
  publishErrors: number;
  maxInFlightPublishes: number;
  latency: LatencySummary;
  latencyHist: string;
  stages: Record<string, LatencySummary>;
  /** CPU microseconds per tick of each service over the measured window. */
  cpuUsPerTick?: Record<string, number>;
}

/** hop-cost.ts's result: one bare hop between two processes. */
interface HopRun {
  unavailable?: string;
  rpcRoundTrip: LatencySummary;
  eventDelivery: LatencySummary;
  cpuUsPerRound: { caller: number; server: number };
}

/** The bare hop's pace: one round each 10 ms, about the order path's pace at 100 ticks/s. */
const HOP_GAP_MS = 10;

/** Ticks per second across processes (see the notes: kept so reports compare). */
export const CROSS_PROCESS_RATE = 100;

export function crossProcessScenario(bus: "nats" | "kafka"): Scenario {
  const settings = (smoke: boolean) => (smoke ? { seconds: 3, warmup: 2 } : { seconds: 40, warmup: 5 });
  return {
    id: `cross-process-${bus}`,
    title: `2. Tick-to-order across processes over ${bus === "nats" ? "NATS (JetStream events, NATS rpc)" : "Kafka (Kafka events, NATS rpc)"}`,
    async run(ctx): Promise<Outcome> {
      const { seconds, warmup } = settings(ctx.smoke);
      const runs: Run[] = [];
      for (let rep = 1; rep <= ctx.reps; rep++) {
        ctx.log(`cross-process ${bus} rep ${rep}/${ctx.reps}: ${CROSS_PROCESS_RATE} ticks/s for ${seconds} s`);
        const run = (await runWorker(
          "cross-process.ts",
          [`--bus=${bus}`, `--rate=${CROSS_PROCESS_RATE}`, `--seconds=${seconds}`, `--warmup=${warmup}`],
          { name: `cross-process-${bus}` },
        )) as unknown as Run;
        if (run.unavailable) return { metrics: {}, unavailable: { p99Us: run.unavailable } };
        // No order measured is a broken setup (services that cannot reach each other), not a fast platform.
        if (run.orders === 0)
          return {
            metrics: {},
            unavailable: { p99Us: `rep ${rep}: no order reached the broker (see bench/out/logs/cross-${bus}-*.log)` },
          };
        runs.push(run);
      }
      // The baseline in the same run: what one hop costs between two bare processes, nothing else in them.
      ctx.log(`cross-process ${bus}: one bare hop, ${ctx.smoke ? 50 : 1000} rounds ${HOP_GAP_MS} ms apart`);
      const hop = (await runWorker(
        "hop-cost.ts",
        [`--bus=${bus}`, `--count=${ctx.smoke ? 50 : 1000}`, `--gap-ms=${HOP_GAP_MS}`],
        { name: `hop-cost-${bus}` },
      )) as unknown as HopRun;
      const pooled = summarize(merge(runs.map((r) => decode(r.latencyHist))));
      const stageNames = Object.keys(runs[0]?.stages ?? {});
      const table: Table = {
        title: `Where the time goes over ${bus} (median over repetitions, microseconds)`,
        headers: ["stage", "p50", "p99", "max"],
        rows: [
          ...stageNames.map((s) => [
            s,
            fmt(median(runs.map((r) => r.stages[s]?.p50Us ?? Number.NaN)), 0),
            fmt(median(runs.map((r) => r.stages[s]?.p99Us ?? Number.NaN)), 0),
            fmt(median(runs.map((r) => r.stages[s]?.maxUs ?? Number.NaN)), 0),
          ]),
          [
            "tick -> ack (all orders of all repetitions pooled)",
            fmt(pooled.p50Us, 0),
            fmt(pooled.p99Us, 0),
            fmt(pooled.maxUs, 0),
          ],
        ],
      };
      const services = Object.keys(runs[0]?.cpuUsPerTick ?? {});
      const cpuTable: Table = {
        title: `CPU per tick of each service over ${bus} (median over repetitions, microseconds; wall latency follows the host's load, CPU much less)`,
        headers: ["service", "CPU us per tick"],
        rows: services.map((name) => [name, fmt(median(runs.map((r) => r.cpuUsPerTick?.[name] ?? Number.NaN)), 0)]),
      };
      const hopTable: Table | null = hop.unavailable
        ? null
        : {
            title: `One hop alone, in the same run (baseline): two bare processes, a signed NATS rpc echo (500 bytes) and a ${bus} event each ${HOP_GAP_MS} ms, microseconds`,
            headers: ["what", "p50", "p99", "max", "CPU us per round (caller / other)"],
            rows: [
              [
                "rpc round trip",
                fmt(hop.rpcRoundTrip.p50Us, 0),
                fmt(hop.rpcRoundTrip.p99Us, 0),
                fmt(hop.rpcRoundTrip.maxUs, 0),
                `${hop.cpuUsPerRound.caller} / ${hop.cpuUsPerRound.server}`,
              ],
              [
                "event publish -> handler",
                fmt(hop.eventDelivery.p50Us, 0),
                fmt(hop.eventDelivery.p99Us, 0),
                fmt(hop.eventDelivery.maxUs, 0),
                "",
              ],
            ],
          };
      const hopNote = hop.unavailable
        ? `The bare-hop baseline could not run: ${hop.unavailable}.`
        : `The order path crosses three rpc round trips (submit, risk, place) and two events (the tick, the ack); one bare rpc round trip alone has a p99 of ${fmt(hop.rpcRoundTrip.p99Us, 0)} us and one event ${fmt(hop.eventDelivery.p99Us, 0)} us here, at this pace, in this run (bun bench/src/workers/hop-cost.ts --bus=${bus} --count=1000 --gap-ms=${HOP_GAP_MS}).`;
      return {
        metrics: {
          p50Us: runs.map((r) => r.latency.p50Us),
          p99Us: runs.map((r) => r.latency.p99Us),
          maxUs: runs.map((r) => r.latency.maxUs),
          orders: runs.map((r) => r.orders),
          achievedTicksPerSec: runs.map((r) => r.achievedTicksPerSec),
          maxInFlightPublishes: runs.map((r) => r.maxInFlightPublishes),
          unmatched: runs.map((r) => r.unmatched),
          rejected: runs.map((r) => r.rejected),
        },
        tables: [table, ...(services.length > 0 ? [cpuTable] : []), ...(hopTable ? [hopTable] : [])],
        notes: [
          `Processes: strategy-engine, order-execution (in-memory orders), risk-management, broker-paper, each from its own main.ts (as \`just stack\` starts them), JTS_BUS=${bus}, JTS_RPC=nats, JTS_CACHE=redis, a namespace per repetition (removed afterwards), STRATEGY_COOLDOWN_MS=0. The bench process is the sim venue: SimMarket quotes and ticks at ${CROSS_PROCESS_RATE} ticks/s.`,
          "Latency = tick tsInit (= its tsEvent, carried by the strategy's Signal) -> the paper broker's ack time (tsEvent of its ACCEPTED execution report); orders matched through the Signal and Order events, no hook in the services.",
          hopNote,
          `Rate: ${CROSS_PROCESS_RATE} ticks/s (~${Math.round(CROSS_PROCESS_RATE * 1.85)} messages/s with quotes), not 10k: chosen when the Kafka adapter sent one request per publish (~2 ms each; at 200 ticks/s its queue grew without bound). Publishes are coalesced now (one acked request per burst); the rate stays so reports compare, the same for NATS.`,
        ],
        details: { runs: runs.map(({ latencyHist: _, ...r }) => r), pooled, hop },
      };
    },
    async profile(ctx) {
      // The time is spent in the services, so they run under the profiler (the bench process is only the feed).
      const { warmup } = settings(ctx.smoke);
      const dir = outPath("profiles", `cross-process-${bus}-${Date.now()}`, "x").replace(/\/x$/, "");
      await runWorker(
        "cross-process.ts",
        [
          `--bus=${bus}`,
          `--rate=${CROSS_PROCESS_RATE}`,
          `--seconds=${ctx.smoke ? 3 : 15}`,
          `--warmup=${warmup}`,
          `--profile-dir=${dir}`,
        ],
        { name: `profile-cross-process-${bus}` },
      );
      await Bun.sleep(1000);
      const parts = await Promise.all(
        ["strategy-engine", "order-execution", "risk-management", "broker-paper"].map(async (service) => ({
          service,
          profile: await readProfile(join(dir, service), 8),
        })),
      );
      return {
        files: parts.flatMap((p) => p.profile.files),
        hot: parts.flatMap((p) => [`**${p.service}** ${p.profile.summary}`, "", ...p.profile.hot, ""]),
        summary:
          "CPU profiles of the four services (each its own process); most of the latency is waiting on the broker and the network hops, which a CPU profile does not show: see the stage table.",
      };
    },
  };
}
