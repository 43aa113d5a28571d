import { runWorker, type Scenario } from "../lib/scenario.ts";

/** The bench scripts that predate the suite, kept as informational rows (no target in the issue). */
export function orderSubmitScenario(): Scenario {
  return {
    id: "order-submit",
    title: "Info: OMS submits per second by order repository (no target)",
    async run(ctx) {
      ctx.log("order-submit: memory and embedded PostgreSQL (durable)");
      const result = (await runWorker("order-submit.ts", [`--submits=${ctx.smoke ? 50 : 1000}`])) as {
        rows: Array<{ label: string; concurrency: number; submitsPerSec: number; eventsPublishedMs: number }>;
      };
      return {
        metrics: {},
        tables: [
          {
            title: "Submits per second (risk and broker faked, one run)",
            headers: ["repository", "concurrent submitters", "submits/s", "all events published after ms"],
            rows: result.rows.map((r) => [r.label, r.concurrency, r.submitsPerSec, r.eventsPublishedMs]),
          },
        ],
        details: result,
      };
    },
  };
}

export function postgresStartupScenario(): Scenario {
  return {
    id: "postgres-startup",
    title: "Info: embedded PostgreSQL start times (`just dev` storage, no target)",
    async run(ctx) {
      ctx.log("postgres-startup: cold and warm, durable and fast");
      const result = (await runWorker("postgres-startup.ts", ["--runs=1"])) as {
        rows: Array<{ settings: string; coldMs: number; initdbMs: number; warmMs: number; stopMs: number }>;
      };
      return {
        metrics: {},
        tables: [
          {
            title: "Embedded PostgreSQL (one run)",
            headers: ["settings", "cold start ms", "of which initdb ms", "warm start ms", "stop ms"],
            rows: result.rows.map((r) => [r.settings, r.coldMs, r.initdbMs, r.warmMs, r.stopMs]),
          },
        ],
        details: result,
      };
    },
  };
}
