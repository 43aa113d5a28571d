import { OptimizationRequest, OptimizationRun } from "@jts/contracts";
import type { OptimizationJobs } from "../backtests/optimizations.ts";
import type { RouteContext } from "./context.ts";
import { jobRoutes } from "./job-routes.ts";

/**
 * /api/optimizations: a grid or random search over one strategy kind's
 * parameters, optionally walk-forward, each combination a backtest on the
 * same runner as `just optimize` (backtests/optimizations.ts). Progress: /ws
 * channel `backtest:<id>`.
 */
export function optimizationRoutes(context: RouteContext, jobs: OptimizationJobs) {
  return jobRoutes(context, jobs, {
    prefix: "/api/optimizations",
    name: "optimization",
    plural: "optimizations",
    request: OptimizationRequest,
    run: OptimizationRun,
    describe: {
      list: "The caller's optimizations, newest first, without their results.",
      run: "Queues an optimization (202). The backtest is checked as POST /api/backtests checks it; each range against the kind's parameter schema (min above max, a step of 0 or less, a parameter the kind lacks, a value its schema refuses), at most 10,000 combinations, 20,000 backtests (combinations x walk-forward windows), 1,000 windows and 50 million bar-steps, an in-sample part of at least 10 bars and the strategy's warm-up, a history range of at most 200,000 bars, windows that fit the data: 422 with the reason before anything runs. One optimization per user at once (429); refused while the gateway stops (503).",
      get: "One optimization with its result once done: every combination's in-sample and out-of-sample metrics, best first, and each walk-forward window's pick. 404 when missing, 403 when another user's.",
      delete: "Deletes an optimization, ending its workers first when it runs.",
    },
  });
}
