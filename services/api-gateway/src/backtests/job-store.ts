import { OptimizationError, OptionError, RunInputError } from "@jts/backtest";
import {
  type BacktestProgress,
  type BacktestStatus,
  type DocumentStore,
  type EventBus,
  EventTypes,
  Topics,
} from "@jts/contracts";
import { AppError, envelope, type Logger, newId, notFound } from "@jts/kit";
import { forbidden } from "../auth/access.ts";
import type { AuthUser } from "../auth/users.ts";

/** What every kind of run stores beside its own fields (BacktestRun, OptimizationRun). */
export interface JobRun {
  id: string;
  owner: string;
  status: BacktestStatus;
  progress: number;
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
}

/** A started run: its result, and a way to end it early. */
export interface JobHandle<Result> {
  result: Promise<Result>;
  cancel(): void;
}

/** The options every kind of job store takes (each kind adds its own and sets its own defaults). */
export interface JobStoreOptions {
  documents: DocumentStore;
  bus: EventBus;
  logger: Logger;
  now?: () => Date;
}

/** What makes one kind of run: where it is stored, what it is called, how it starts and what its result adds. */
export interface JobKind<Run extends JobRun, Result, Prepared> {
  collection: string;
  /** In 404/403 messages: "backtest 123". */
  name: string;
  /** In log lines: "could not store a backtest's outcome". */
  aName: string;
  maxRunning: number;
  maxPerUser: number;
  maxStoredPerUser: number;
  /** Wall-clock time a run may take once started; past it the run is ended and marked failed. */
  timeoutMs: number;
  /** Starts a run from what submit prepared; onProgress takes the share done, 0..1. */
  start(prepared: Prepared, onProgress: (share: number) => void): JobHandle<Result>;
  /** The fields a finished run's result sets on the stored run (beside the result itself). */
  outcome(result: Result): Partial<Run>;
}

/** The user-facing texts of the per-user caps (429). */
export interface JobLimitMessages {
  active: (max: number) => string;
  stored: (max: number) => string;
}

/** A run as the index keeps it: everything but the result, and where it is stored. */
interface Entry<Run> {
  run: Run;
  docId: string;
  version: number;
}

type Change<Run, Result> = Partial<Run> & { result?: Result };

/** A user's place held from the first check of a submission until its run is in the index (or it fails). */
export interface Slot {
  /** Idempotent: the run now counts in the index, or the submission ended without one. */
  release(): void;
}

/** Default wall-clock limit of one run. */
export const DEFAULT_RUN_TIMEOUT_MS = 30 * 60_000;

/**
 * The PWA's long runs (backtests, optimizations), one store for each kind:
 * queued, run at most `maxRunning` at once on worker threads (never on the
 * gateway's event loop), progress published on the bus (Topics.backtestProgress,
 * which the /ws hub sends to the owner's `backtest:<id>` channel), and kept per
 * user in the document store, so a restart keeps them. A run that was queued or
 * running when the gateway stopped is marked failed at the next start (its
 * worker died with the process); the trader runs it again.
 *
 * A kind writes its own submit: `admit` checks the per-user caps and holds
 * the user's slot before anything is awaited (so parallel requests cannot all
 * pass a check made before the run is stored), the kind checks the request
 * (validated), then hands the new run to enqueue. A run that outlives
 * `timeoutMs` is ended and marked failed. After stop() nothing is admitted or
 * started (503), so a request still checking its input cannot start a run on
 * a stopping gateway.
 */
export class JobStore<Run extends JobRun, Result, Prepared> {
  private readonly index = new Map<string, Entry<Run>>();
  private readonly queue: string[] = [];
  /** What submit prepared for each queued run (checked then, so a run never fails on its input later). */
  private readonly pending = new Map<string, Prepared>();
  private readonly running = new Map<string, JobHandle<Result>>();
  private readonly now: () => Date;
  /** Writes to one run go one after another, so versions never cross. */
  private readonly writes = new Map<string, Promise<unknown>>();
  /** Per user: submissions admitted but not yet in the index (their request is being checked or stored). */
  private readonly admitting = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly options: JobStoreOptions,
    private readonly kind: JobKind<Run, Result, Prepared>,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Loads the stored runs; those a stopped gateway left queued or running are marked failed. */
  async load(): Promise<void> {
    this.stopped = false;
    const docs = await this.options.documents.list<Run & { result?: Result }>(this.kind.collection);
    for (const doc of docs) {
      const { result: _result, ...run } = doc.body;
      this.index.set(run.id, { run: run as unknown as Run, docId: doc.id, version: doc.version });
      if (run.status === "queued" || run.status === "running")
        await this.finish(run.id, {
          status: "failed",
          error: "interrupted by a gateway restart; run it again",
        } as Change<Run, Result>);
    }
  }

  /** Cancels what runs (their workers end); the stored runs stay as they are and are marked at the next load. */
  stop(): void {
    this.stopped = true;
    for (const run of this.running.values()) run.cancel();
    this.running.clear();
    this.queue.length = 0;
    this.pending.clear();
  }

  /** The user's runs, newest first, without their results. */
  list(user: AuthUser): Run[] {
    return [...this.index.values()]
      .filter((e) => e.run.owner === user.username)
      .map((e) => e.run)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  /** One run with its result: the owner's, or any for an admin; 404 when missing, 403 when another user's. */
  async get(user: AuthUser, id: string): Promise<Run & { result?: Result }> {
    const entry = this.reachable(user, id);
    const doc = await this.options.documents.get<Run & { result?: Result }>(this.kind.collection, entry.docId);
    if (!doc) throw notFound(`${this.kind.name} ${id}`);
    return { ...doc.body, progress: entry.run.progress };
  }

  /** Deletes a run, ending it first when it runs: its owner, or an admin. */
  async delete(user: AuthUser, id: string): Promise<void> {
    this.reachable(user, id);
    const queued = this.queue.indexOf(id);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.pending.delete(id);
    this.running.get(id)?.cancel();
    this.running.delete(id);
    await this.serially(id, async () => {
      const current = this.index.get(id);
      if (!current) return;
      this.index.delete(id);
      await this.options.documents.delete(this.kind.collection, current.docId, current.version);
    });
    this.pump();
  }

  /** The run's progress for /ws `backtest:<id>`: its owner only (null for anyone else, or no such run). */
  progressOf(username: string, id: string): BacktestProgress | null {
    const run = this.index.get(id)?.run;
    return run && run.owner === username ? progressOf(run) : null;
  }

  /**
   * Runs a submission holding one of the user's slots: 429 when the user has
   * `maxPerUser` runs queued, running or being submitted, or keeps
   * `maxStoredPerUser` (counting those being submitted); 503 after stop().
   * The check and the hold happen before anything is awaited.
   */
  protected async admit<T>(user: AuthUser, messages: JobLimitMessages, submit: (slot: Slot) => Promise<T>): Promise<T> {
    this.refuseWhenStopped();
    const owner = user.username;
    const admitting = this.admitting.get(owner) ?? 0;
    const mine = [...this.index.values()].filter((e) => e.run.owner === owner);
    const active = mine.filter((e) => e.run.status === "queued" || e.run.status === "running").length;
    if (active + admitting >= this.kind.maxPerUser)
      throw new AppError("RATE_LIMITED", messages.active(this.kind.maxPerUser));
    if (mine.length + admitting >= this.kind.maxStoredPerUser)
      throw new AppError("RATE_LIMITED", messages.stored(this.kind.maxStoredPerUser));
    this.admitting.set(owner, admitting + 1);
    let held = true;
    const slot: Slot = {
      release: () => {
        if (!held) return;
        held = false;
        const left = (this.admitting.get(owner) ?? 1) - 1;
        if (left > 0) this.admitting.set(owner, left);
        else this.admitting.delete(owner);
      },
    };
    try {
      return await submit(slot);
    } finally {
      slot.release();
    }
  }

  /** Runs the request's check; what it finds wrong with the request is a 422 with the reason. */
  protected async validated<T>(check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      if (error instanceof OptionError || error instanceof RunInputError || error instanceof OptimizationError)
        throw new AppError("VALIDATION", error.message.replace(/^--/, ""));
      throw error;
    }
  }

  /** Stores the user's new run (its kind's own fields, `request` among them), queues it and starts it when there is room; its slot passes to the index. */
  protected async enqueue(slot: Slot, user: AuthUser, own: Omit<Run, keyof JobRun>, prepared: Prepared): Promise<Run> {
    this.refuseWhenStopped();
    const id = newId();
    const common: JobRun = {
      id,
      owner: user.username,
      status: "queued",
      progress: 0,
      createdAt: this.now().toISOString(),
      finishedAt: null,
      error: null,
    };
    const run = { ...common, ...own } as Run;
    const doc = await this.options.documents.create<Run>(this.kind.collection, id, run);
    this.index.set(id, { run, docId: doc.id, version: doc.version });
    slot.release();
    this.pending.set(id, prepared);
    this.queue.push(id);
    await this.publish(run);
    this.pump();
    return run;
  }

  private refuseWhenStopped(): void {
    if (this.stopped)
      throw new AppError("UNAVAILABLE", `the gateway is stopping; submit the ${this.kind.name} again shortly`);
  }

  private reachable(user: AuthUser, id: string): Entry<Run> {
    const entry = this.index.get(id);
    if (!entry) throw notFound(`${this.kind.name} ${id}`);
    if (entry.run.owner !== user.username && user.role !== "admin")
      throw forbidden(`${this.kind.name} ${id} is another user's`);
    return entry;
  }

  /** Starts queued runs while there is room. */
  private pump(): void {
    while (!this.stopped && this.running.size < this.kind.maxRunning && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      const prepared = this.pending.get(id);
      this.pending.delete(id);
      if (prepared === undefined || !this.index.has(id)) continue;
      const job = this.kind.start(prepared, (share) => this.progress(id, share));
      this.running.set(id, job);
      void this.update(id, { status: "running" } as Change<Run, Result>);
      const timer = setTimeout(() => this.timeOut(id, job), this.kind.timeoutMs);
      job.result.then(
        (result) => {
          clearTimeout(timer);
          return this.settle(id, job, {
            status: "done",
            progress: 1,
            result,
            ...this.kind.outcome(result),
          } as Change<Run, Result>);
        },
        (error: Error) => {
          clearTimeout(timer);
          return this.settle(id, job, { status: "failed", error: error.message } as Change<Run, Result>);
        },
      );
    }
  }

  /** Ends a run past its wall-clock limit: marked failed with the reason first, so the cancel's own rejection is ignored. */
  private timeOut(id: string, job: JobHandle<Result>): void {
    if (this.running.get(id) !== job) return;
    void this.settle(id, job, {
      status: "failed",
      error: `ran longer than ${duration(this.kind.timeoutMs)}, the limit of one ${this.kind.name}; ended`,
    } as Change<Run, Result>);
    job.cancel();
  }

  private async settle(id: string, job: JobHandle<Result>, outcome: Change<Run, Result>) {
    if (this.running.get(id) !== job) return; // deleted meanwhile
    this.running.delete(id);
    await this.finish(id, outcome).catch((error: unknown) =>
      this.options.logger.error(`could not store ${this.kind.aName}'s outcome`, { id, error }),
    );
    this.pump();
  }

  private finish(id: string, outcome: Change<Run, Result>): Promise<void> {
    return this.update(id, { ...outcome, finishedAt: this.now().toISOString() });
  }

  private progress(id: string, share: number): void {
    const entry = this.index.get(id);
    if (!entry) return;
    entry.run = { ...entry.run, progress: share };
    void this.publish(entry.run);
  }

  /** Writes the run's new state (the result goes to the store only), then tells the bus. */
  private update(id: string, change: Change<Run, Result>): Promise<void> {
    return this.serially(id, async () => {
      const entry = this.index.get(id);
      if (!entry) return;
      const { result, ...rest } = change;
      const run: Run = { ...entry.run, ...rest };
      const doc = await this.options.documents.update<Run>(
        this.kind.collection,
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

  private async publish(run: Run): Promise<void> {
    await this.options.bus
      .publish(Topics.backtestProgress, envelope(EventTypes.backtestProgress, "api-gateway", run.id, progressOf(run)))
      .catch((error: unknown) =>
        this.options.logger.warn(`could not publish ${this.kind.aName}'s progress`, { error }),
      );
  }
}

/** 30 min, 90 s, 0.05 s. */
function duration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

function progressOf(run: JobRun): BacktestProgress {
  return { id: run.id, owner: run.owner, status: run.status, progress: run.progress, error: run.error };
}
