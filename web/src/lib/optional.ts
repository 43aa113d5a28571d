import { type Accessor, createSignal } from "solid-js";
import { messageOf, NotAvailableError } from "./api.ts";

export type Optional<T> =
  | { state: "loading" }
  | { state: "ready"; value: T }
  | { state: "not-available" }
  | { state: "error"; message: string };

/** A call to an agreed route that may not be deployed: its 404 is a state to show, not an error. */
export function createOptional<T>(fetcher: () => Promise<T>): [Accessor<Optional<T>>, () => Promise<void>] {
  const [value, setValue] = createSignal<Optional<T>>({ state: "loading" });
  const load = async () => {
    try {
      setValue({ state: "ready", value: await fetcher() });
    } catch (error) {
      setValue(
        error instanceof NotAvailableError ? { state: "not-available" } : { state: "error", message: messageOf(error) },
      );
    }
  };
  void load();
  return [value, load];
}

export const readyValue = <T>(value: Optional<T>): T | null => (value.state === "ready" ? value.value : null);
export const errorMessage = (value: Optional<unknown>): string | null =>
  value.state === "error" ? value.message : null;
