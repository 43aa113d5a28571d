/**
 * The worker thread a PWA backtest runs on (job.ts runInWorker): one request
 * in, progress and then the result (or the error) out, then it is ended.
 */
import type { BacktestRequest } from "@jts/contracts";
import { runRequest, type WorkerMessage } from "./job.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<BacktestRequest>) => {
  const post = (message: WorkerMessage) => self.postMessage(message);
  let percent = -1;
  // One message per whole percent, not per event: a long run would flood the channel.
  const progress = (done: number, total: number) => {
    const now = total > 0 ? Math.floor((done / total) * 100) : 100;
    if (now === percent) return;
    percent = now;
    post({ type: "progress", done, total });
  };
  try {
    const result = await runRequest(event.data, progress);
    post({ type: "done", result });
  } catch (error) {
    post({ type: "failed", error: (error as Error).message });
  }
};
