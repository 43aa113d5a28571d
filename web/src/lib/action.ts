import { type Accessor, createSignal } from "solid-js";
import type { StatusText } from "../components/message.tsx";
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

/**
 * A form's submit to the gateway: `busy` while it runs (to disable the
 * button), `status` what came of it: `done` once the gateway said yes (shown
 * before `then` runs, e.g. reloading a list), or the gateway's message.
 */
export function createSubmit() {
  const [busy, setBusy] = createSignal(false);
  const [status, setStatus] = createSignal<StatusText | null>(null);
  const run = async <T>(send: () => Promise<T>, done: string, then: (value: T) => unknown): Promise<void> => {
    setBusy(true);
    setStatus(null);
    try {
      const value = await send();
      setStatus({ ok: true, text: done });
      await then(value);
    } catch (error) {
      setStatus({ ok: false, text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  };
  return { busy, status, setStatus, run };
}
