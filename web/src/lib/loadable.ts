import { type Accessor, createSignal } from "solid-js";
import { messageOf } from "./api.ts";

/** A screen's own fetch (not kept in the store): loading, its value, or why it failed. */
export type Loadable<T> = { state: "loading" } | { state: "ready"; value: T } | { state: "error"; message: string };

/** Starts `fetcher` now; the second element fetches again (after a change the screen made). */
export function createLoadable<T>(fetcher: () => Promise<T>): [Accessor<Loadable<T>>, () => Promise<void>] {
  const [value, setValue] = createSignal<Loadable<T>>({ state: "loading" });
  const load = async () => {
    try {
      setValue({ state: "ready", value: await fetcher() });
    } catch (error) {
      setValue({ state: "error", message: messageOf(error) });
    }
  };
  void load();
  return [value, load];
}

export const readyValue = <T>(value: Loadable<T>): T | null => (value.state === "ready" ? value.value : null);
export const errorMessage = (value: Loadable<unknown>): string | null =>
  value.state === "error" ? value.message : null;
