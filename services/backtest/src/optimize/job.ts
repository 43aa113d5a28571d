/**
 * An optimization asked for over the API (POST /api/optimizations): the
 * request's backtest becomes `just backtest` flags (job.ts requestArgv), its
 * search the same SearchSpec `just optimize` builds from its flags, so both
 * check and run alike.
 */
import type { OptimizationRequest, OptimizationResult } from "@jts/contracts";
import { API_HISTORY_MAX_BARS, requestArgv } from "../job.ts";
import { type OptimizationPlan, planOptimization, type SearchSpec, summarize, type WorkerSetup } from "./plan.ts";
import { runPool } from "./pool.ts";

export function requestSetup(request: OptimizationRequest): { setup: WorkerSetup; spec: SearchSpec } {
  const { backtest, ranges, method, samples, seed, objective, walkForward } = request;
  return {
    setup: {
      argv: requestArgv(backtest),
      ...(backtest.source.type === "csv" ? { csv: backtest.source.csv } : {}),
      readFiles: false,
      maxBars: API_HISTORY_MAX_BARS,
    },
    spec: {
      ranges,
      method,
      objective,
      ...(samples !== undefined ? { samples } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(walkForward ? { walkForward } : {}),
    },
  };
}

/** Checks a request and loads its data (OptionError, RunInputError or OptimizationError when it cannot run). */
export function planRequest(request: OptimizationRequest): Promise<OptimizationPlan> {
  const { setup, spec } = requestSetup(request);
  return planOptimization(setup, spec);
}

export interface OptimizationRunHandle {
  result: Promise<OptimizationResult>;
  cancel(): void;
}

/** Runs a plan's backtests on `workers` threads; `onProgress(done, total)` per backtest. */
export function runOptimization(
  plan: OptimizationPlan,
  workers: number,
  onProgress?: (done: number, total: number) => void,
): OptimizationRunHandle {
  const started = performance.now();
  const pool = runPool(plan.setup, plan.tasks, workers, onProgress);
  const used = Math.max(1, Math.min(workers, plan.tasks.length));
  return {
    result: pool.results.then((results) =>
      summarize(plan, results, { workers: used, elapsedMs: Math.round(performance.now() - started) }),
    ),
    cancel: pool.cancel,
  };
}
