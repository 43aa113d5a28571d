import type { Alert, NotificationChannel, NotificationRule, NotificationRuleView } from "@jts/contracts";
import { createSignal, For, Show } from "solid-js";
import { TextField } from "../components/form.tsx";
import { ErrorAlert, StatusMessage, type StatusText } from "../components/message.tsx";
import { ApiError, getNotificationRule, messageOf, setNotificationRule } from "../lib/api.ts";
import { t } from "../lib/i18n.ts";
import { createLoadable, errorMessage, readyValue } from "../lib/loadable.ts";

type Kind = Alert["kind"];
/** The rows of the grid, in this order; each has its `rules.kind.*` text (the build checks it). */
const KINDS: readonly Kind[] = [
  "ORDER_REJECTED",
  "ORDER_FILLED",
  "TRADING_STATE",
  "SYSTEM",
  "LOSS_THRESHOLD",
  "VENUE_DISCONNECTED",
  "ACCOUNT_MODE",
  "STOP_TRIGGERED",
];
const CHANNELS: readonly NotificationChannel[] = ["webhook", "email", "telegram", "push"];
const kindLabel = (kind: Kind) => t(`rules.kind.${kind}` as const);
const channelLabel = (channel: NotificationChannel) => t(`rules.channel.${channel}` as const);

/** The browser's time zone, for a first quiet-hours setting. */
const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/**
 * The signed-in user's notification rule: a grid of alert kinds by channel,
 * and quiet hours. Saved whole with the version it was read at; the gateway
 * refuses a stale one (409), and then the panel reloads the current rule.
 */
export function NotificationRules() {
  const [loaded, reload] = createLoadable(getNotificationRule);
  // Here, not in the form: a reload (after a stale save) renders a new form, and the message must stay.
  const [status, setStatus] = createSignal<StatusText | null>(null);
  return (
    <section class="panel" aria-labelledby="alert-rules-title">
      <h2 id="alert-rules-title">{t("rules.title")}</h2>
      <p class="muted small">{t("rules.intro")}</p>
      <ErrorAlert text={errorMessage(loaded())} />
      <Show when={readyValue(loaded())} fallback={<p class="muted">{t("rules.loading")}</p>} keyed>
        {(view) => <RuleForm view={view} reload={reload} onStatus={setStatus} />}
      </Show>
      <StatusMessage status={status()} />
    </section>
  );
}

function RuleForm(props: {
  view: NotificationRuleView;
  reload: () => Promise<void>;
  onStatus: (status: StatusText | null) => void;
}) {
  /** The version the next save is based on: the one read, then each one saved. */
  const [version, setVersion] = createSignal(props.view.version);
  const routed = new Map(props.view.rule.routes.map((r) => [r.kind, new Set(r.channels)]));
  const [checked, setChecked] = createSignal(routed);
  const quiet = props.view.rule.quietHours;
  const [quietOn, setQuietOn] = createSignal(quiet !== null);
  const [from, setFrom] = createSignal(quiet?.from ?? "22:00");
  const [to, setTo] = createSignal(quiet?.to ?? "07:00");
  const [zone, setZone] = createSignal(quiet?.timeZone ?? localZone());
  const [busy, setBusy] = createSignal(false);

  const isOn = (kind: Kind, channel: NotificationChannel) => checked().get(kind)?.has(channel) ?? false;
  const toggle = (kind: Kind, channel: NotificationChannel, on: boolean) => {
    const next = new Map(checked());
    const channels = new Set(next.get(kind));
    if (on) channels.add(channel);
    else channels.delete(channel);
    next.set(kind, channels);
    setChecked(next);
  };

  const rule = (): NotificationRule => ({
    routes: KINDS.flatMap((kind) => {
      const channels = CHANNELS.filter((c) => isOn(kind, c));
      return channels.length > 0 ? [{ kind, channels }] : [];
    }),
    quietHours: quietOn() ? { from: from(), to: to(), timeZone: zone().trim() } : null,
  });

  const save = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    props.onStatus(null);
    try {
      const saved = await setNotificationRule(version(), rule());
      setVersion(saved.version);
      props.onStatus({ ok: true, text: t("rules.saved", { version: saved.version }) });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        props.onStatus({ ok: false, text: t("rules.stale") });
        await props.reload();
      } else props.onStatus({ ok: false, text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="ticket" aria-label={t("rules.title")} onSubmit={save} novalidate>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">{t("rules.kindColumn")}</th>
              <For each={CHANNELS}>{(channel) => <th scope="col">{channelLabel(channel)}</th>}</For>
            </tr>
          </thead>
          <tbody>
            <For each={KINDS}>
              {(kind) => (
                <tr data-kind={kind}>
                  <th scope="row">{kindLabel(kind)}</th>
                  <For each={CHANNELS}>
                    {(channel) => (
                      <td>
                        <input
                          type="checkbox"
                          name={`route-${kind}-${channel}`}
                          aria-label={`${kindLabel(kind)}: ${channelLabel(channel)}`}
                          checked={isOn(kind, channel)}
                          onChange={(e) => toggle(kind, channel, e.currentTarget.checked)}
                        />
                      </td>
                    )}
                  </For>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <label class="check">
        <input type="checkbox" name="quiet" checked={quietOn()} onChange={(e) => setQuietOn(e.currentTarget.checked)} />
        <span>{t("rules.quietHours")}</span>
      </label>
      <Show when={quietOn()}>
        <div class="field-row">
          <TextField
            label={t("rules.quietFrom")}
            name="quiet-from"
            value={from()}
            onValue={setFrom}
            autocomplete="off"
          />
          <TextField label={t("rules.quietTo")} name="quiet-to" value={to()} onValue={setTo} autocomplete="off" />
        </div>
        <TextField label={t("rules.timeZone")} name="quiet-zone" value={zone()} onValue={setZone} autocomplete="off" />
      </Show>
      <button type="submit" class="button button--primary" disabled={busy()}>
        {busy() ? t("rules.saving") : t("rules.save")}
      </button>
    </form>
  );
}
