import { fmt, type Outcome, profileWorker, runWorker, type Scenario } from "../lib/scenario.ts";
import { median } from "../lib/stats.ts";

interface Run {
  checksPerSec: number;
  approvedShare: number;
  viaRpcPerSec: number;
}

export function riskScenario(): Scenario {
  return {
    id: "risk",
    title: "6. Risk: pre-trade checks per second in one process",
    async run(ctx): Promise<Outcome> {
      const runs: Run[] = [];
      for (let rep = 1; rep <= ctx.reps; rep++) {
        ctx.log(`risk rep ${rep}/${ctx.reps}`);
        runs.push((await runWorker("risk-checks.ts", [`--seconds=${ctx.smoke ? 0.3 : 3}`])) as unknown as Run);
      }
      return {
        metrics: {
          checksPerSec: runs.map((r) => r.checksPerSec),
          viaRpcPerSec: runs.map((r) => r.viaRpcPerSec),
        },
        tables: [
          {
            title: "Checks per second, one core (median of repetitions)",
            headers: ["path", "checks/s", "approved share"],
            rows: [
              [
                "RiskEngine.check (direct call)",
                fmt(median(runs.map((r) => r.checksPerSec)), 0),
                fmt(median(runs.map((r) => r.approvedShare)), 2),
              ],
              [
                "risk.check over the in-process rpc (MemoryRpc, request and reply schema checks), sequential",
                fmt(median(runs.map((r) => r.viaRpcPerSec)), 0),
                "",
              ],
            ],
          },
        ],
        notes: [
          "1024 varied orders (BTC-KRW, ETH-KRW, 005930; MARKET and LIMIT; buys and sells; two accounts, one holding a position), last prices loaded; about a quarter are refused (order notional, position), so both paths are timed.",
        ],
        details: runs,
      };
    },
    profile: (ctx) => profileWorker("risk-checks.ts", [`--seconds=${ctx.smoke ? 0.3 : 3}`]),
  };
}
