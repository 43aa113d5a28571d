import { availableParallelism } from "node:os";
import { prepareRequest, runInWorker, type WorkerRun } from "@jts/backtest";
import type { BacktestRequest, BacktestResult, BacktestRun } from "@jts/contracts";
import type { AuthUser } from "../auth/users.ts";
import { DEFAULT_RUN_TIMEOUT_MS, JobStore, type JobStoreOptions } from "./job-store.ts";

export const BACKTESTS_COLLECTION = "backtests";

export interface BacktestJobsOptions extends JobStoreOptions {
  /** Runs at once over all users; the rest wait in order. Default: the cores less one for the services, at least 1. */
  maxRunning?: number;
  /** Runs one user may have queued or running at once; one more is 429. Default 2. */
  maxPerUser?: number;
  /** Runs one user may keep; one more is 429 until they delete one. Default 100. */
  maxStoredPerUser?: number;
  /** Wall-clock limit of one run once started; past it the run is ended and marked failed. Default 30 min. */
  timeoutMs?: number;
  /** Starts a run (default: a worker thread, job.ts runInWorker); tests pass their own. */
  start?: (request: BacktestRequest, onProgress: (share: number) => void) => WorkerRun;
}

/**
 * The PWA's backtests, kept and run by JobStore (job-store.ts): the per-user
 * caps first (429; they hold the user's slot before the request is checked,
 * as checking a `history` request reads ClickHouse), then the request checked
 * (422 before anything runs), then queued and run one worker thread each.
 */
export class BacktestJobs extends JobStore<BacktestRun, BacktestResult, BacktestRequest> {
  constructor(options: BacktestJobsOptions) {
    super(options, {
      collection: BACKTESTS_COLLECTION,
      name: "backtest",
      aName: "a backtest",
      maxRunning: options.maxRunning ?? Math.max(1, availableParallelism() - 1),
      maxPerUser: options.maxPerUser ?? 2,
      maxStoredPerUser: options.maxStoredPerUser ?? 100,
      timeoutMs: options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
      start: options.start ?? runInWorker,
      outcome: (result) => ({ summary: result.summary }),
    });
  }

  submit(user: AuthUser, request: BacktestRequest): Promise<BacktestRun> {
    const limits = {
      active: (max: number) => `at most ${max} backtests at once per user; wait for one to end`,
      stored: (max: number) => `at most ${max} kept backtests per user; delete old ones first`,
    };
    return this.admit(user, limits, async (slot) => {
      await this.validated(() => prepareRequest(request));
      return this.enqueue(slot, user, { request, summary: null }, request);
    });
  }
}
