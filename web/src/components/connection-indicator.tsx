import { type MessageKey, t } from "../lib/i18n.ts";
import type { ConnectionState } from "../lib/ws.ts";

const LABELS: Record<ConnectionState, MessageKey> = {
  connecting: "conn.connecting",
  live: "conn.live",
  reconnecting: "conn.reconnecting",
  offline: "conn.offline",
};

export function ConnectionIndicator(props: { state: ConnectionState }) {
  return (
    <span class={`connection connection--${props.state}`} role="status" aria-live="polite">
      <span class="connection__dot" aria-hidden="true" />
      {t(LABELS[props.state])}
    </span>
  );
}
