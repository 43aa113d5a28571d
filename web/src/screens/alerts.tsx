import { createEffect, For, on } from "solid-js";
import { formatNanosTime } from "../lib/decimal.ts";
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
        <h2 id="alerts-title">Alerts</h2>
        <ol class="alerts" aria-live="polite">
          <For each={props.store.alerts()} fallback={<li class="empty">No alerts yet</li>}>
            {(alert) => (
              <li class={`alert alert--${alert.severity.toLowerCase()}`} data-kind={alert.kind}>
                <div class="alert__head">
                  <span class="alert__severity">{alert.severity}</span>
                  <strong>{alert.title}</strong>
                  <time class="muted">{formatNanosTime(alert.tsEvent)}</time>
                </div>
                <p>{alert.message}</p>
                {alert.account ? <p class="muted small">Account {alert.account}</p> : null}
                {alert.orderId ? <p class="muted small">Order {alert.orderId}</p> : null}
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
