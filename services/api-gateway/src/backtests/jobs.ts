import { availableParallelism } from "node:os";
import { OptionError, prepareRequest, RunInputError, runInWorker, type WorkerRun } from "@jts/backtest";
import {
  type BacktestProgress,
  type BacktestRequest,
  type BacktestResult,
  type BacktestRun,
  type DocumentStore,
  type EventBus,
  EventTypes,
  Topics,
} from "@jts/contracts";
import { AppError, envelope, type Logger, newId, notFound } from "@jts/kit";
import { forbidden } from "../auth/access.ts";
import type { AuthUser } from "../auth/users.ts";

export const BACKTESTS_COLLECTION = "backtests";

export interface BacktestJobsOptions {
  documents: DocumentStore;
  bus: EventBus;
  logger: Logger;
  /** Runs at once over all users; the rest wait in order. Default: the cores less one for the services, at least 1. */
  maxRunning?: number;
  /** Runs one user may have queued or running at once; one more is 429. Default 2. */
  maxPerUser?: number;
  /** Runs one user may keep; one more is 429 until they delete one. Default 100. */
  maxStoredPerUser?: number;
  /** Starts a run (default: a worker thread, job.ts runInWorker); tests pass their own. */
  start?: (request: BacktestRequest, onProgress: (share: number) => void) => WorkerRun;
  now?: () => Date;
}

/** A run as the index keeps it: everything but the result, and where it is stored. */
interface Entry {
  run: BacktestRun;
  docId: string;
  version: number;
}

/**
 * The PWA's backtests: checked when asked for (422 before anything runs),
 * queued, run at most `maxRunning` at once on worker threads (never on the
 * gateway's event loop), progress published on the bus (Topics.backtestProgress,
 * which the /ws hub sends to the owner's `backtest:<id>` channel), and kept per
 * user in the document store, so a restart keeps them. A run that was queued or
 * running when the gateway stopped is marked failed at the next start (its
 * worker died with the process); the trader runs it again.
 */
export class BacktestJobs {
  private readonly index = new Map<string, Entry>();
  private readonly queue: string[] = [];
  private readonly running = new Map<string, WorkerRun>();
  private readonly maxRunning: number;
  private readonly maxPerUser: number;
  private readonly maxStored: number;
  private readonly startRun: NonNullable<BacktestJobsOptions["start"]>;
  private readonly now: () => Date;
  /** Writes to one run go one after another, so versions never cross. */
  private readonly writes = new Map<string, Promise<unknown>>();

  constructor(private readonly options: BacktestJobsOptions) {
    this.maxRunning = options.maxRunning ?? Math.max(1, availableParallelism() - 1);
    this.maxPerUser = options.maxPerUser ?? 2;
    this.maxStored = options.maxStoredPerUser ?? 100;
    this.startRun = options.start ?? runInWorker;
    this.now = options.now ?? (() => new Date());
  }

  /** Loads the stored runs; those a stopped gateway left queued or running are marked failed. */
  async load(): Promise<void> {
    const docs = await this.options.documents.list<BacktestRun>(BACKTESTS_COLLECTION);
    for (const doc of docs) {
      const { result: _result, ...run } = doc.body;
      this.index.set(run.id, { run, docId: doc.id, version: doc.version });
      if (run.status === "queued" || run.status === "running")
        await this.finish(run.id, { status: "failed", error: "interrupted by a gateway restart; run it again" });
    }
  }

  /** Cancels what runs (their workers end); the stored runs stay as they are and are marked at the next load. */
  stop(): void {
    for (const run of this.running.values()) run.cancel();
    this.running.clear();
    this.queue.length = 0;
  }

  async submit(user: AuthUser, request: BacktestRequest): Promise<BacktestRun> {
    try {
      await prepareRequest(request);
    } catch (error) {
      if (error instanceof OptionError || error instanceof RunInputError)
        throw new AppError("VALIDATION", error.message.replace(/^--/, ""));
      throw error;
    }
    const mine = [...this.index.values()].filter((e) => e.run.owner === user.username);
    const active = mine.filter((e) => e.run.status === "queued" || e.run.status === "running").length;
    if (active >= this.maxPerUser)
      throw new AppError("RATE_LIMITED", `at most ${this.maxPerUser} backtests at once per user; wait for one to end`);
    if (mine.length >= this.maxStored)
      throw new AppError("RATE_LIMITED", `at most ${this.maxStored} kept backtests per user; delete old ones first`);
    const id = newId();
    const run: BacktestRun = {
      id,
      owner: user.username,
      status: "queued",
      progress: 0,
      request,
      createdAt: this.now().toISOString(),
      finishedAt: null,
      error: null,
      summary: null,
    };
    const doc = await this.options.documents.create<BacktestRun>(BACKTESTS_COLLECTION, id, run);
    this.index.set(id, { run, docId: doc.id, version: doc.version });
    this.queue.push(id);
    await this.publish(run);
    this.pump();
    return run;
  }

  /** The user's runs, newest first, without their results. */
  list(user: AuthUser): BacktestRun[] {
    return [...this.index.values()]
      .filter((e) => e.run.owner === user.username)
      .map((e) => e.run)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  /** One run with its result: the owner's, or any for an admin; 404 when missing, 403 when another user's. */
  async get(user: AuthUser, id: string): Promise<BacktestRun> {
    const entry = this.reachable(user, id);
    const doc = await this.options.documents.get<BacktestRun>(BACKTESTS_COLLECTION, entry.docId);
    if (!doc) throw notFound(`backtest ${id}`);
    return { ...doc.body, progress: entry.run.progress };
  }

  /** Deletes a run, ending it first when it runs: its owner, or an admin. */
  async delete(user: AuthUser, id: string): Promise<void> {
    this.reachable(user, id);
    const queued = this.queue.indexOf(id);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.running.get(id)?.cancel();
    this.running.delete(id);
    await this.serially(id, async () => {
      const current = this.index.get(id);
      if (!current) return;
      this.index.delete(id);
      await this.options.documents.delete(BACKTESTS_COLLECTION, current.docId, current.version);
    });
    this.pump();
  }

  /** The run's progress for /ws `backtest:<id>`: its owner only (null for anyone else, or no such run). */
  progressOf(username: string, id: string): BacktestProgress | null {
    const run = this.index.get(id)?.run;
    return run && run.owner === username ? progressOf(run) : null;
  }

  private reachable(user: AuthUser, id: string): Entry {
    const entry = this.index.get(id);
    if (!entry) throw notFound(`backtest ${id}`);
    if (entry.run.owner !== user.username && user.role !== "admin") throw forbidden(`backtest ${id} is another user's`);
    return entry;
  }

  /** Starts queued runs while there is room. */
  private pump(): void {
    while (this.running.size < this.maxRunning && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      const entry = this.index.get(id);
      if (!entry) continue;
      const job = this.startRun(entry.run.request, (share) => this.progress(id, share));
      this.running.set(id, job);
      void this.update(id, { status: "running" });
      job.result.then(
        (result) => this.settle(id, job, { status: "done", progress: 1, result }),
        (error: Error) => this.settle(id, job, { status: "failed", error: error.message }),
      );
    }
  }

  private async settle(id: string, job: WorkerRun, outcome: Partial<BacktestRun> & { result?: BacktestResult }) {
    if (this.running.get(id) !== job) return; // deleted meanwhile
    this.running.delete(id);
    await this.finish(id, outcome).catch((error: unknown) =>
      this.options.logger.error("could not store a backtest's outcome", { id, error }),
    );
    this.pump();
  }

  private async finish(id: string, outcome: Partial<BacktestRun> & { result?: BacktestResult }) {
    await this.update(id, {
      ...outcome,
      finishedAt: this.now().toISOString(),
      ...(outcome.result ? { summary: outcome.result.summary } : {}),
    });
  }

  private progress(id: string, share: number): void {
    const entry = this.index.get(id);
    if (!entry) return;
    entry.run = { ...entry.run, progress: share };
    void this.publish(entry.run);
  }

  /** Writes the run's new state (the result goes to the store only), then tells the bus. */
  private update(id: string, change: Partial<BacktestRun> & { result?: BacktestResult }): Promise<void> {
    return this.serially(id, async () => {
      const entry = this.index.get(id);
      if (!entry) return;
      const { result, ...rest } = change;
      const run: BacktestRun = { ...entry.run, ...rest };
      const doc = await this.options.documents.update<BacktestRun>(
        BACKTESTS_COLLECTION,
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

  private async publish(run: BacktestRun): Promise<void> {
    const progress = progressOf(run);
    await this.options.bus
      .publish(Topics.backtestProgress, envelope(EventTypes.backtestProgress, "api-gateway", run.id, progress))
      .catch((error: unknown) => this.options.logger.warn("could not publish a backtest's progress", { error }));
  }
}

function progressOf(run: BacktestRun): BacktestProgress {
  return { id: run.id, owner: run.owner, status: run.status, progress: run.progress, error: run.error };
}
