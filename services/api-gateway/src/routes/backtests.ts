import { BacktestRequest, BacktestRun } from "@jts/contracts";
import { Elysia, t } from "elysia";
import type { BacktestJobs } from "../backtests/jobs.ts";
import { IdParams } from "../model.ts";
import type { RouteContext } from "./context.ts";

/**
 * /api/backtests: a backtest of one strategy kind over the sample, the stored
 * history or an uploaded CSV, run by the same runner as `just backtest`
 * (backtests/jobs.ts). Traders and admins run and delete them; everyone reads
 * their own (viewers too: they may have runs from before a role change);
 * admins read and delete anyone's. Progress: /ws channel `backtest:<id>`.
 */
export function backtestRoutes({ auth }: RouteContext, jobs: BacktestJobs) {
  return new Elysia({ prefix: "/api/backtests" })
    .use(auth)
    .get("", ({ user }) => jobs.list(user), {
      auth: true,
      response: t.Array(BacktestRun),
      detail: { description: "The caller's backtests, newest first, without their results." },
    })
    .post(
      "",
      async ({ user, body, set }) => {
        const run = await jobs.submit(user, body);
        set.status = 202;
        return run;
      },
      {
        role: { min: "trader", refusal: "viewers cannot run backtests" },
        audit: "backtest.run",
        body: BacktestRequest,
        response: { 202: BacktestRun },
        detail: {
          description:
            "Queues a backtest (202). Parameters are checked against the kind's schema and every option as `just backtest` checks it: 422 before anything runs. A CSV goes in `source.csv` (at most 60,000 characters, under the 64 KiB body cap). At most 2 runs per user at once (429).",
        },
      },
    )
    .get("/:id", ({ user, params }) => jobs.get(user, params.id), {
      auth: true,
      params: IdParams,
      response: BacktestRun,
      detail: {
        description:
          "One backtest with its result (summary, equity and drawdown, candles, fills, round trips) once done. 404 when missing, 403 when another user's.",
      },
    })
    .delete(
      "/:id",
      async ({ user, params, set }) => {
        await jobs.delete(user, params.id);
        set.status = 204;
      },
      {
        role: { min: "trader", refusal: "viewers cannot delete backtests" },
        audit: "backtest.delete",
        params: IdParams,
        detail: { description: "Deletes a backtest, ending it first when it runs." },
      },
    );
}
