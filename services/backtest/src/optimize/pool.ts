/**
 * The optimization's backtests spread over worker threads: each worker loads
 * the data once, then takes the next task as soon as it answers the last, so
 * a slow combination holds up one worker only. The caller's thread only hands
 * out tasks and collects metrics.
 */
import { availableParallelism } from "node:os";
import type { Task, TaskResult, WorkerSetup } from "./plan.ts";

export type PoolReply = { index: number; result: TaskResult } | { index: number; error: string };

/** Workers for a machine: one per core (at least one). */
export const defaultWorkers = () => Math.max(1, availableParallelism());

export interface PoolRun {
  /** Results in the tasks' order. */
  results: Promise<TaskResult[]>;
  /** Ends every worker at once; `results` rejects with "canceled". */
  cancel(): void;
}

/**
 * Runs `tasks` on `workers` threads (never more threads than tasks);
 * `onProgress(done, total)` after each task. The first failed task ends the
 * pool and rejects with its error.
 */
export function runPool(
  setup: WorkerSetup,
  tasks: readonly Task[],
  workers: number,
  onProgress?: (done: number, total: number) => void,
): PoolRun {
  const threads: Worker[] = [];
  const results: TaskResult[] = new Array(tasks.length);
  let next = 0;
  let done = 0;
  let settled = false;
  let settle!: { resolve(results: TaskResult[]): void; reject(error: Error): void };
  const promise = new Promise<TaskResult[]>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const end = (error: Error | null) => {
    if (settled) return;
    settled = true;
    for (const thread of threads) thread.terminate();
    if (error) settle.reject(error);
    else settle.resolve(results);
  };
  const feed = (thread: Worker) => {
    if (next >= tasks.length) return;
    const index = next++;
    thread.postMessage({ task: tasks[index], index });
  };
  if (tasks.length === 0) end(null);
  const count = Math.max(1, Math.min(workers, tasks.length));
  for (let i = 0; i < count && !settled; i++) {
    const thread = new Worker(new URL("./worker.ts", import.meta.url).href);
    threads.push(thread);
    thread.onmessage = (event: MessageEvent<PoolReply>) => {
      const reply = event.data;
      if ("error" in reply) return end(new Error(reply.error));
      results[reply.index] = reply.result;
      done++;
      onProgress?.(done, tasks.length);
      if (done === tasks.length) return end(null);
      feed(thread);
    };
    thread.onerror = (event) => end(new Error(event.message || "an optimization worker failed"));
    thread.postMessage({ setup });
    feed(thread);
  }
  return { results: promise, cancel: () => end(new Error("canceled")) };
}
