/**
 * One optimization worker thread (pool.ts): a setup message loads the data
 * once, then each task message is one backtest whose metrics go back.
 */
import { readFile } from "node:fs/promises";
import { parseOptions } from "../options.ts";
import type { PreparedRun } from "../run.ts";
import { loadRun, runTask, type Task, type WorkerSetup } from "./plan.ts";
import type { PoolReply } from "./pool.ts";

declare const self: Worker;

let run: Promise<PreparedRun> | null = null;

self.onmessage = async (event: MessageEvent<{ setup: WorkerSetup } | { task: Task; index: number }>) => {
  const post = (reply: PoolReply) => self.postMessage(reply);
  const message = event.data;
  if ("setup" in message) {
    const { setup } = message;
    run = loadRun(
      setup,
      parseOptions(setup.argv),
      setup.readFiles ? { readFile: (path) => readFile(path, "utf8") } : {},
    );
    // A setup that fails is reported with the first task.
    run.catch(() => {});
    return;
  }
  try {
    if (!run) throw new Error("the worker got a task before its setup");
    post({ index: message.index, result: await runTask(await run, message.task) });
  } catch (error) {
    post({ index: message.index, error: (error as Error).message });
  }
};
