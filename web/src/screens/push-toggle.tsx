import { createSignal, onMount } from "solid-js";
import { ErrorAlert } from "../components/message.tsx";
import { messageOf } from "../lib/api.ts";
import { disablePush, enablePush, type PushState, pushState } from "../lib/push.ts";
import { pushToggleStrings as s } from "./push-toggle.strings.ts";

/**
 * Push notifications on this device: a switch that asks the browser's
 * permission, subscribes through the service worker with the platform's
 * VAPID key and registers the subscription; off unsubscribes it. Which alert
 * kinds come is the "push" column of the notification rules.
 */
export function PushToggle() {
  const [state, setState] = createSignal<PushState | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  const run = async (action: () => Promise<PushState>) => {
    setBusy(true);
    setError(null);
    try {
      setState(await action());
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  onMount(() => void run(pushState));
  const switchable = () => state() === "enabled" || state() === "disabled" || state() === "blocked";

  return (
    <section class="panel" aria-labelledby="push-title">
      <h2 id="push-title">{s.title}</h2>
      <p class="muted small">{s.intro}</p>
      <label class="push-toggle">
        <input
          type="checkbox"
          role="switch"
          aria-checked={state() === "enabled"}
          name="push"
          checked={state() === "enabled"}
          disabled={busy() || !switchable()}
          onChange={(e) => void run(e.currentTarget.checked ? enablePush : disablePush)}
        />{" "}
        {s.label}
      </label>
      <p class="muted small" role="status" data-state={state() ?? "checking"}>
        {statusText(state(), busy())}
      </p>
      <ErrorAlert text={error()} />
    </section>
  );
}

const statusText = (state: PushState | null, busy: boolean) =>
  state === null ? s.checking : busy ? s.working : s.states[state];
