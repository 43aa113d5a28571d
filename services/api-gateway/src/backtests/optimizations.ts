import { availableParallelism } from "node:os";
import { type OptimizationPlan, type OptimizationRunHandle, planRequest, runOptimization } from "@jts/backtest";
import {
  OPTIMIZATION_MAX_STORED_ROWS,
  type OptimizationRequest,
  type OptimizationResult,
  type OptimizationRun,
} from "@jts/contracts";
import type { AuthUser } from "../auth/users.ts";
import { DEFAULT_RUN_TIMEOUT_MS, JobStore, type JobStoreOptions } from "./job-store.ts";

export const OPTIMIZATIONS_COLLECTION = "optimizations";

export interface OptimizationJobsOptions extends JobStoreOptions {
  /** Optimizations at once over all users (each spreads over `workers` threads); the rest wait in order. Default 1. */
  maxRunning?: number;
  /** Worker threads of one optimization. Default: the cores less one for the services, at least 1. */
  workers?: number;
  /** Optimizations one user may have queued or running at once; one more is 429. Default 1. */
  maxPerUser?: number;
  /** Optimizations one user may keep; one more is 429 until they delete one. Default 50. */
  maxStoredPerUser?: number;
  /** Wall-clock limit of one optimization once started; past it its workers are ended and it is marked failed. Default 30 min. */
  timeoutMs?: number;
  /** Checks a request and loads its data (default planRequest); tests pass their own. */
  plan?: (request: OptimizationRequest) => Promise<OptimizationPlan>;
  /** Runs a plan (default: a worker pool, runOptimization); tests pass their own. */
  start?: (
    plan: OptimizationPlan,
    workers: number,
    onProgress: (done: number, total: number) => void,
  ) => OptimizationRunHandle;
}

/**
 * The PWA's parameter optimizations, kept and run by JobStore (job-store.ts)
 * as backtests are: the per-user caps first (they cost nothing, and a user at
 * the cap should not make the gateway load data), then the request checked
 * (422 with the reason before anything runs: a bad range, a parameter the kind
 * lacks, more than 10,000 combinations, 20,000 backtests, 1,000 windows or
 * 50M bar-steps), then queued and run `maxRunning` at a time over `workers`
 * threads each, for at most `timeoutMs`. A kept result holds the best
 * OPTIMIZATION_MAX_STORED_ROWS rows, so 50 kept runs stay a few MB. Progress
 * rides the backtests' topic and /ws channel (`backtest:<id>`, the owner only).
 */
export class OptimizationJobs extends JobStore<OptimizationRun, OptimizationResult, OptimizationPlan> {
  private readonly planOf: NonNullable<OptimizationJobsOptions["plan"]>;

  constructor(options: OptimizationJobsOptions) {
    const workers = options.workers ?? Math.max(1, availableParallelism() - 1);
    const startRun = options.start ?? runOptimization;
    super(options, {
      collection: OPTIMIZATIONS_COLLECTION,
      name: "optimization",
      aName: "an optimization",
      maxRunning: options.maxRunning ?? 1,
      maxPerUser: options.maxPerUser ?? 1,
      maxStoredPerUser: options.maxStoredPerUser ?? 50,
      timeoutMs: options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
      start: (plan, onShare) => {
        let percent = -1;
        // One publish per whole percent: a 10,000-backtest run would otherwise flood the bus.
        const run = startRun(plan, workers, (done, total) => {
          const now = total > 0 ? Math.floor((done / total) * 100) : 100;
          if (now > percent) {
            percent = now;
            onShare(now / 100);
          }
        });
        return { result: run.result.then(keptResult), cancel: run.cancel };
      },
      outcome: (result) => ({ best: result.rows[0] ?? null }),
    });
    this.planOf = options.plan ?? planRequest;
  }

  submit(user: AuthUser, request: OptimizationRequest): Promise<OptimizationRun> {
    const limits = {
      active: (max: number) =>
        `at most ${max} optimization${max === 1 ? "" : "s"} at once per user; wait for it to end or delete it`,
      stored: (max: number) => `at most ${max} kept optimizations per user; delete old ones first`,
    };
    return this.admit(user, limits, async (slot) => {
      const plan = await this.validated(() => this.planOf(request));
      return this.enqueue(
        slot,
        user,
        { request, combinations: plan.combinations.length, runs: plan.tasks.length, best: null },
        plan,
      );
    });
  }
}

/** What a kept run stores: the best rows only (they come best first), and how many there were. */
function keptResult(result: OptimizationResult): OptimizationResult {
  if (result.rows.length <= OPTIMIZATION_MAX_STORED_ROWS) return result;
  return { ...result, rows: result.rows.slice(0, OPTIMIZATION_MAX_STORED_ROWS), rowsTotal: result.rows.length };
}
