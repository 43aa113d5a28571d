import { createSignal, onCleanup, Show } from "solid-js";
import { getMarketSessions } from "../lib/api.ts";
import { t } from "../lib/i18n.ts";

type Sessions = Awaited<ReturnType<typeof getMarketSessions>>;

/** A minute and a few seconds: the state changes only at minute boundaries (kit/sessions.ts). */
const REFRESH_MS = 61_000;

/**
 * KRX's session state (pre-open, continuous, closing auction, closed, holiday)
 * as the gateway computes it from the schedule risk trades by, so the header
 * never disagrees with a refusal. Hidden while unknown (offline, first load).
 */
export function SessionBadge() {
  const [sessions, setSessions] = createSignal<Sessions>([]);
  const load = () =>
    getMarketSessions()
      .then(setSessions)
      .catch(() => setSessions([]));
  void load();
  const timer = setInterval(() => void load(), REFRESH_MS);
  onCleanup(() => clearInterval(timer));
  const krx = () => sessions().find((s) => s.market === "KRX");
  return (
    <Show when={krx()}>
      {(session) => (
        <span
          class={`session session--${session().state.toLowerCase()}`}
          title={session().reason}
          data-testid="krx-session"
          data-state={session().state}
        >
          {t("session.KRX")} · {t(`session.${session().state}`)}
        </span>
      )}
    </Show>
  );
}
