import { BacktestRequest, BacktestRun } from "@jts/contracts";
import type { BacktestJobs } from "../backtests/jobs.ts";
import type { RouteContext } from "./context.ts";
import { jobRoutes } from "./job-routes.ts";

/**
 * /api/backtests: a backtest of one strategy kind over the sample, the stored
 * history or an uploaded CSV, run by the same runner as `just backtest`
 * (backtests/jobs.ts). Progress: /ws channel `backtest:<id>`.
 */
export function backtestRoutes(context: RouteContext, jobs: BacktestJobs) {
  return jobRoutes(context, jobs, {
    prefix: "/api/backtests",
    name: "backtest",
    plural: "backtests",
    request: BacktestRequest,
    run: BacktestRun,
    describe: {
      list: "The caller's backtests, newest first, without their results.",
      run: "Queues a backtest (202). Parameters are checked against the kind's schema and every option as `just backtest` checks it: 422 before anything runs. A CSV goes in `source.csv` (at most 60,000 characters, under the 64 KiB body cap). At most 2 runs per user at once (429).",
      get: "One backtest with its result (summary, equity and drawdown, candles, fills, round trips) once done. 404 when missing, 403 when another user's.",
      delete: "Deletes a backtest, ending it first when it runs.",
    },
  });
}
