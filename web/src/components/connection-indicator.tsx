import type { ConnectionState } from "../lib/ws.ts";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

export function ConnectionIndicator(props: { state: ConnectionState }) {
  return (
    <span class={`connection connection--${props.state}`} role="status" aria-live="polite">
      <span class="connection__dot" aria-hidden="true" />
      {LABELS[props.state]}
    </span>
  );
}
