import type { BacktestProgress } from "@jts/contracts";
import { createEffect, createSignal, onCleanup } from "solid-js";
import { messageOf } from "./api.ts";
import type { LiveConnection } from "./ws.ts";

/** What /ws `backtest:<id>` sends, and what a loaded run has of it. */
export type RunProgress = Pick<BacktestProgress, "status" | "progress" | "error">;

/**
 * One backtest or optimization on screen: loads it, follows its progress on
 * /ws `backtest:<id>` while it runs, and loads it again (with its result) once
 * it settles, telling `onSettled` so the list refreshes. Follows `props.id`
 * when it changes; an answer for an id no longer shown is dropped.
 */
export function watchRun<Run extends RunProgress>(
  props: { id: string; live: LiveConnection; onSettled: () => void },
  fetch: (id: string) => Promise<Run>,
) {
  const [run, setRun] = createSignal<Run | null>(null);
  const [progress, setProgress] = createSignal<RunProgress | null>(null);
  const [error, setError] = createSignal<string | null>(null);

  const load = async (id: string) => {
    try {
      const loaded = await fetch(id);
      if (id !== props.id) return;
      setRun(() => loaded);
      setProgress(() => loaded);
      setError(null);
    } catch (caught) {
      setError(messageOf(caught));
    }
  };

  createEffect(() => {
    const id = props.id;
    setRun(null);
    setProgress(null);
    void load(id);
    const unsubscribe = props.live.subscribe(`backtest:${id}`, (data) => {
      const update = data as RunProgress;
      setProgress(update);
      if ((update.status === "done" || update.status === "failed") && run()?.status !== update.status) {
        void load(id);
        props.onSettled();
      }
    });
    onCleanup(unsubscribe);
  });

  /** The share done as a whole percent. */
  const share = () => Math.round((progress()?.progress ?? 0) * 100);
  return { run, progress, error, share };
}
