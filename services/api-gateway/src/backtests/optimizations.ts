import { availableParallelism } from "node:os";
import {
  OptimizationError,
  type OptimizationPlan,
  type OptimizationRunHandle,
  OptionError,
  planRequest,
  RunInputError,
  runOptimization,
} from "@jts/backtest";
import {
  type BacktestProgress,
  type DocumentStore,
  type EventBus,
  EventTypes,
  type OptimizationRequest,
  type OptimizationResult,
  type OptimizationRun,
  Topics,
} from "@jts/contracts";
import { AppError, envelope, type Logger, newId, notFound } from "@jts/kit";
import { forbidden } from "../auth/access.ts";
import type { AuthUser } from "../auth/users.ts";

export const OPTIMIZATIONS_COLLECTION = "optimizations";

export interface OptimizationJobsOptions {
  documents: DocumentStore;
  bus: EventBus;
  logger: Logger;
  /** Optimizations at once over all users (each spreads over `workers` threads); the rest wait in order. Default 1. */
  maxRunning?: number;
  /** Worker threads of one optimization. Default: the cores less one for the services, at least 1. */
  workers?: number;
  /** Optimizations one user may have queued or running at once; one more is 429. Default 1. */
  maxPerUser?: number;
  /** Optimizations one user may keep; one more is 429 until they delete one. Default 50. */
  maxStoredPerUser?: number;
  /** Checks a request and loads its data (default planRequest); tests pass their own. */
  plan?: (request: OptimizationRequest) => Promise<OptimizationPlan>;
  /** Runs a plan (default: a worker pool, runOptimization); tests pass their own. */
  start?: (
    plan: OptimizationPlan,
    workers: number,
    onProgress: (done: number, total: number) => void,
  ) => OptimizationRunHandle;
  now?: () => Date;
}

interface Entry {
  run: OptimizationRun;
  docId: string;
  version: number;
}

/**
 * The PWA's parameter optimizations, kept and run as BacktestJobs keeps and
 * runs backtests (backtests/jobs.ts): checked when asked for (422 with the
 * reason before anything runs: a bad range, a parameter the kind lacks, more
 * than 10,000 combinations or 20,000 backtests), queued, run `maxRunning` at a
 * time on worker threads, kept per user. Progress rides the backtests' topic
 * and /ws channel (`backtest:<id>`, the owner only): the same payload, status
 * and share done. A run a stopped gateway left queued or running is marked
 * failed at the next start.
 */
export class OptimizationJobs {
  private readonly index = new Map<string, Entry>();
  private readonly queue: string[] = [];
  /** Plans of the queued runs (checked at submit, so a run never fails on its input later). */
  private readonly plans = new Map<string, OptimizationPlan>();
  private readonly running = new Map<string, OptimizationRunHandle>();
  private readonly maxRunning: number;
  private readonly workers: number;
  private readonly maxPerUser: number;
  private readonly maxStored: number;
  private readonly planOf: NonNullable<OptimizationJobsOptions["plan"]>;
  private readonly startRun: NonNullable<OptimizationJobsOptions["start"]>;
  private readonly now: () => Date;
  private readonly writes = new Map<string, Promise<unknown>>();

  constructor(private readonly options: OptimizationJobsOptions) {
    this.maxRunning = options.maxRunning ?? 1;
    this.workers = options.workers ?? Math.max(1, availableParallelism() - 1);
    this.maxPerUser = options.maxPerUser ?? 1;
    this.maxStored = options.maxStoredPerUser ?? 50;
    this.planOf = options.plan ?? planRequest;
    this.startRun = options.start ?? runOptimization;
    this.now = options.now ?? (() => new Date());
  }

  async load(): Promise<void> {
    const docs = await this.options.documents.list<OptimizationRun>(OPTIMIZATIONS_COLLECTION);
    for (const doc of docs) {
      const { result: _result, ...run } = doc.body;
      this.index.set(run.id, { run, docId: doc.id, version: doc.version });
      if (run.status === "queued" || run.status === "running")
        await this.finish(run.id, { status: "failed", error: "interrupted by a gateway restart; run it again" });
    }
  }

  stop(): void {
    for (const run of this.running.values()) run.cancel();
    this.running.clear();
    this.queue.length = 0;
    this.plans.clear();
  }

  async submit(user: AuthUser, request: OptimizationRequest): Promise<OptimizationRun> {
    // The caps first: they cost nothing, and a user at the cap should not make the gateway load data.
    const mine = [...this.index.values()].filter((e) => e.run.owner === user.username);
    const active = mine.filter((e) => e.run.status === "queued" || e.run.status === "running").length;
    if (active >= this.maxPerUser)
      throw new AppError(
        "RATE_LIMITED",
        `at most ${this.maxPerUser} optimization${this.maxPerUser === 1 ? "" : "s"} at once per user; wait for it to end or delete it`,
      );
    if (mine.length >= this.maxStored)
      throw new AppError(
        "RATE_LIMITED",
        `at most ${this.maxStored} kept optimizations per user; delete old ones first`,
      );
    let plan: OptimizationPlan;
    try {
      plan = await this.planOf(request);
    } catch (error) {
      if (error instanceof OptionError || error instanceof RunInputError || error instanceof OptimizationError)
        throw new AppError("VALIDATION", error.message.replace(/^--/, ""));
      throw error;
    }
    const id = newId();
    const run: OptimizationRun = {
      id,
      owner: user.username,
      status: "queued",
      progress: 0,
      request,
      combinations: plan.combinations.length,
      runs: plan.tasks.length,
      createdAt: this.now().toISOString(),
      finishedAt: null,
      error: null,
      best: null,
    };
    const doc = await this.options.documents.create<OptimizationRun>(OPTIMIZATIONS_COLLECTION, id, run);
    this.index.set(id, { run, docId: doc.id, version: doc.version });
    this.plans.set(id, plan);
    this.queue.push(id);
    await this.publish(run);
    this.pump();
    return run;
  }

  list(user: AuthUser): OptimizationRun[] {
    return [...this.index.values()]
      .filter((e) => e.run.owner === user.username)
      .map((e) => e.run)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  async get(user: AuthUser, id: string): Promise<OptimizationRun> {
    const entry = this.reachable(user, id);
    const doc = await this.options.documents.get<OptimizationRun>(OPTIMIZATIONS_COLLECTION, entry.docId);
    if (!doc) throw notFound(`optimization ${id}`);
    return { ...doc.body, progress: entry.run.progress };
  }

  async delete(user: AuthUser, id: string): Promise<void> {
    this.reachable(user, id);
    const queued = this.queue.indexOf(id);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.plans.delete(id);
    this.running.get(id)?.cancel();
    this.running.delete(id);
    await this.serially(id, async () => {
      const current = this.index.get(id);
      if (!current) return;
      this.index.delete(id);
      await this.options.documents.delete(OPTIMIZATIONS_COLLECTION, current.docId, current.version);
    });
    this.pump();
  }

  /** The run's progress for /ws `backtest:<id>`: its owner only. */
  progressOf(username: string, id: string): BacktestProgress | null {
    const run = this.index.get(id)?.run;
    return run && run.owner === username ? progressOf(run) : null;
  }

  private reachable(user: AuthUser, id: string): Entry {
    const entry = this.index.get(id);
    if (!entry) throw notFound(`optimization ${id}`);
    if (entry.run.owner !== user.username && user.role !== "admin")
      throw forbidden(`optimization ${id} is another user's`);
    return entry;
  }

  private pump(): void {
    while (this.running.size < this.maxRunning && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      const plan = this.plans.get(id);
      this.plans.delete(id);
      if (!plan || !this.index.has(id)) continue;
      let percent = -1;
      // One publish per whole percent: a 10,000-backtest run would otherwise flood the bus.
      const job = this.startRun(plan, this.workers, (done, total) => {
        const now = total > 0 ? Math.floor((done / total) * 100) : 100;
        if (now > percent) {
          percent = now;
          this.progress(id, now / 100);
        }
      });
      this.running.set(id, job);
      void this.update(id, { status: "running" });
      job.result.then(
        (result) => this.settle(id, job, { status: "done", progress: 1, result, best: result.rows[0] ?? null }),
        (error: Error) => this.settle(id, job, { status: "failed", error: error.message }),
      );
    }
  }

  private async settle(
    id: string,
    job: OptimizationRunHandle,
    outcome: Partial<OptimizationRun> & { result?: OptimizationResult },
  ) {
    if (this.running.get(id) !== job) return;
    this.running.delete(id);
    await this.finish(id, outcome).catch((error: unknown) =>
      this.options.logger.error("could not store an optimization's outcome", { id, error }),
    );
    this.pump();
  }

  private finish(id: string, outcome: Partial<OptimizationRun> & { result?: OptimizationResult }) {
    return this.update(id, { ...outcome, finishedAt: this.now().toISOString() });
  }

  private progress(id: string, share: number): void {
    const entry = this.index.get(id);
    if (!entry) return;
    entry.run = { ...entry.run, progress: share };
    void this.publish(entry.run);
  }

  private update(id: string, change: Partial<OptimizationRun> & { result?: OptimizationResult }): Promise<void> {
    return this.serially(id, async () => {
      const entry = this.index.get(id);
      if (!entry) return;
      const { result, ...rest } = change;
      const run: OptimizationRun = { ...entry.run, ...rest };
      const doc = await this.options.documents.update<OptimizationRun>(
        OPTIMIZATIONS_COLLECTION,
        entry.docId,
        entry.version,
        result ? { ...run, result } : run,
      );
      if (!this.index.has(id)) return;
      this.index.set(id, { run, docId: entry.docId, version: doc.version });
      await this.publish(run);
    });
  }

  private serially(id: string, write: () => Promise<void>): Promise<void> {
    const next = (this.writes.get(id) ?? Promise.resolve()).then(write, write);
    const settled = next.catch(() => {});
    this.writes.set(id, settled);
    void settled.then(() => {
      if (this.writes.get(id) === settled) this.writes.delete(id);
    });
    return next;
  }

  private async publish(run: OptimizationRun): Promise<void> {
    await this.options.bus
      .publish(Topics.backtestProgress, envelope(EventTypes.backtestProgress, "api-gateway", run.id, progressOf(run)))
      .catch((error: unknown) => this.options.logger.warn("could not publish an optimization's progress", { error }));
  }
}

function progressOf(run: OptimizationRun): BacktestProgress {
  return { id: run.id, owner: run.owner, status: run.status, progress: run.progress, error: run.error };
}
