import { OptimizationRequest, OptimizationRun } from "@jts/contracts";
import { Elysia, t } from "elysia";
import type { OptimizationJobs } from "../backtests/optimizations.ts";
import { IdParams } from "../model.ts";
import type { RouteContext } from "./context.ts";

/**
 * /api/optimizations: a grid or random search over one strategy kind's
 * parameters, optionally walk-forward, each combination a backtest on the
 * same runner as `just optimize` (backtests/optimizations.ts). Traders and
 * admins run and delete them; everyone reads their own; admins read and
 * delete anyone's. Progress: /ws channel `backtest:<id>`.
 */
export function optimizationRoutes({ auth }: RouteContext, jobs: OptimizationJobs) {
  return new Elysia({ prefix: "/api/optimizations" })
    .use(auth)
    .get("", ({ user }) => jobs.list(user), {
      auth: true,
      response: t.Array(OptimizationRun),
      detail: { description: "The caller's optimizations, newest first, without their results." },
    })
    .post(
      "",
      async ({ user, body, set }) => {
        const run = await jobs.submit(user, body);
        set.status = 202;
        return run;
      },
      {
        role: { min: "trader", refusal: "viewers cannot run optimizations" },
        audit: "optimization.run",
        body: OptimizationRequest,
        response: { 202: OptimizationRun },
        detail: {
          description:
            "Queues an optimization (202). The backtest is checked as POST /api/backtests checks it; each range against the kind's parameter schema (min above max, a step of 0 or less, a parameter the kind lacks, a value its schema refuses), at most 10,000 combinations and 20,000 backtests (combinations x walk-forward windows), windows that fit the data: 422 with the reason before anything runs. One optimization per user at once (429).",
        },
      },
    )
    .get("/:id", ({ user, params }) => jobs.get(user, params.id), {
      auth: true,
      params: IdParams,
      response: OptimizationRun,
      detail: {
        description:
          "One optimization with its result once done: every combination's in-sample and out-of-sample metrics, best first, and each walk-forward window's pick. 404 when missing, 403 when another user's.",
      },
    })
    .delete(
      "/:id",
      async ({ user, params, set }) => {
        await jobs.delete(user, params.id);
        set.status = 204;
      },
      {
        role: { min: "trader", refusal: "viewers cannot delete optimizations" },
        audit: "optimization.delete",
        params: IdParams,
        detail: { description: "Deletes an optimization, ending its workers first when it runs." },
      },
    );
}
