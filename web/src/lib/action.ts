import { type Accessor, createSignal } from "solid-js";
import { messageOf } from "./api.ts";

/**
 * A button's request to the gateway: `busy` while it runs (to disable the button), `error` the
 * gateway's message when it failed, cleared on the next try. `run` resolves either way.
 */
export function createAction(): { busy: Accessor<boolean>; error: Accessor<string | null>; run: Run } {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const run: Run = async (action) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

type Run = (action: () => Promise<unknown>) => Promise<void>;
