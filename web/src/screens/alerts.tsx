import { createEffect, For, on } from "solid-js";
import { RefusalReason } from "../components/blotter.tsx";
import { formatTime } from "../lib/format.ts";
import { t } from "../lib/i18n.ts";
import { severityLabel } from "../lib/labels.ts";
import type { TradingStore } from "../lib/store.ts";
import { NotificationRules } from "./alert-rules.tsx";
import { PushToggle } from "./push-toggle.tsx";

/** Newest first; seeing the screen marks everything on it read. */
export function AlertsScreen(props: { store: TradingStore }) {
  createEffect(
    on(
      () => props.store.alerts().length,
      () => props.store.markAlertsRead(),
    ),
  );
  return (
    <div class="screen">
      <section class="panel" aria-labelledby="alerts-title">
        <h2 id="alerts-title">{t("alerts.title")}</h2>
        <ol class="alerts" aria-live="polite">
          <For each={props.store.alerts()} fallback={<li class="empty">{t("alerts.none")}</li>}>
            {(alert) => (
              <li class={`alert alert--${alert.severity.toLowerCase()}`} data-kind={alert.kind}>
                <div class="alert__head">
                  <span class="alert__severity">{severityLabel(alert.severity)}</span>
                  <strong>{alert.title}</strong>
                  <time class="muted">{formatTime(alert.tsEvent, { date: true })}</time>
                </div>
                {/* The title and message are the server's words, shown as they came (a refusal's reason too). */}
                {alert.kind === "ORDER_REJECTED" ? <RefusalReason reason={alert.message} /> : <p>{alert.message}</p>}
                {alert.account ? <p class="muted small">{t("common.account", { id: alert.account })}</p> : null}
                {alert.orderId ? <p class="muted small">{t("alerts.order", { id: alert.orderId })}</p> : null}
              </li>
            )}
          </For>
        </ol>
      </section>
      <PushToggle />
      <NotificationRules />
    </div>
  );
}
