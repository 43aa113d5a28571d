import type { Account, Instrument, StrategyStatus, StrategyTimeframe } from "@jts/contracts";
import { createSignal, For, Show } from "solid-js";
import { FormActions, SelectField, TextField } from "../components/form.tsx";
import { ErrorAlert, StatusMessage, type StatusText } from "../components/message.tsx";
import { createKindInput, KindField, ParamInputs } from "../components/strategy-form.tsx";
import { createAction } from "../lib/action.ts";
import {
  createStrategy,
  getStrategies,
  messageOf,
  setStrategyParams,
  startStrategy,
  stopStrategy,
} from "../lib/api.ts";
import { formatMoney, pnlClass } from "../lib/decimal.ts";
import { formatQuantity } from "../lib/format.ts";
import { t } from "../lib/i18n.ts";
import { createLoadable, errorMessage, readyValue } from "../lib/loadable.ts";
import { paramValues } from "../lib/param-schema.ts";

const TIMEFRAMES: readonly StrategyTimeframe[] = ["tick", "1m", "5m", "1h", "1d"];

export function StrategiesScreen(props: { canTrade: boolean; instruments: Instrument[]; accounts: Account[] }) {
  const [strategies, reload] = createLoadable(getStrategies);
  return (
    <div class="screen">
      <section class="panel" aria-labelledby="strategies-title">
        <h2 id="strategies-title">{t("strategies.title")}</h2>
        <Show when={errorMessage(strategies())}>{(message) => <p class="message message--error">{message()}</p>}</Show>
        <div class="cards">
          <For each={readyValue(strategies()) ?? []} fallback={<p class="empty">{t("strategies.none")}</p>}>
            {(strategy) => (
              <StrategyCard
                strategy={strategy}
                canTrade={props.canTrade}
                onChange={reload}
                instrument={props.instruments.find((i) => i.symbol === strategy.config.symbol)}
              />
            )}
          </For>
        </div>
      </section>
      <Show when={props.canTrade}>
        <NewStrategy instruments={props.instruments} accounts={props.accounts} onCreated={reload} />
      </Show>
    </div>
  );
}

/**
 * A new strategy definition, stopped until started: the kind's parameter
 * inputs come from its JSON Schema (`GET /api/strategies/kinds`), and the
 * server checks the values against it (400 with the reasons).
 */
export function NewStrategy(props: { instruments: Instrument[]; accounts: Account[]; onCreated: () => Promise<void> }) {
  const strategy = createKindInput();
  const [open, setOpen] = createSignal(false);
  const [id, setId] = createSignal("");
  const [symbol, setSymbol] = createSignal("");
  const [account, setAccount] = createSignal("");
  const [timeframe, setTimeframe] = createSignal<StrategyTimeframe>("1m");
  const [busy, setBusy] = createSignal(false);
  const [status, setStatus] = createSignal<StatusText | null>(null);

  // Until the user picks, the first of each list: kinds, instruments and accounts arrive after the form.
  const chosenSymbol = () => symbol() || props.instruments[0]?.symbol || "";
  const chosenAccount = () => account() || props.accounts[0]?.id || "";

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const definition = strategy.chosenKind();
    const instrument = props.instruments.find((i) => i.symbol === chosenSymbol());
    if (!definition || !instrument || !id().trim()) {
      setStatus({ ok: false, text: t("strategies.needed") });
      return;
    }
    setBusy(true);
    setStatus(null);
    try {
      const created = await createStrategy({
        id: id().trim(),
        kind: definition.kind,
        symbol: instrument.symbol,
        venue: instrument.venue,
        ...(chosenAccount() ? { account: chosenAccount() } : {}),
        timeframe: timeframe(),
        params: paramValues(strategy.fields(), strategy.text()),
      });
      setStatus({ ok: true, text: t("strategies.created", { id: created.config.id }) });
      setId("");
      strategy.setText({});
      await props.onCreated();
    } catch (error) {
      setStatus({ ok: false, text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="new-strategy-title">
      <h2 id="new-strategy-title">{t("strategies.new")}</h2>
      <Show
        when={open()}
        fallback={
          <button type="button" class="button button--ghost" onClick={() => setOpen(true)}>
            {t("strategies.newOpen")}
          </button>
        }
      >
        <Show when={errorMessage(strategy.kinds())}>
          {(message) => <p class="message message--error">{message()}</p>}
        </Show>
        <form class="ticket" aria-label={t("strategies.new")} onSubmit={submit} novalidate>
          <TextField label={t("strategies.id")} name="id" autocomplete="off" value={id()} onValue={setId} />
          <KindField label={t("strategies.kind")} input={strategy} />
          <Show when={strategy.chosenKind()}>{(info) => <p class="muted small">{info().description}</p>}</Show>
          <SelectField
            label={t("strategies.instrument")}
            name="symbol"
            choices={props.instruments.map((instrument) => ({ value: instrument.symbol, label: instrument.symbol }))}
            selected={chosenSymbol()}
            onValue={setSymbol}
          />
          <Show when={props.accounts.length > 0}>
            <SelectField
              label={t("strategies.account")}
              name="account"
              choices={props.accounts.map((a) => ({
                value: a.id,
                label: `${a.id} (${t(a.mode === "LIVE" ? "mode.LIVE" : "mode.PAPER")})`,
              }))}
              selected={chosenAccount()}
              onValue={setAccount}
            />
          </Show>
          <SelectField
            label={t("strategies.timeframe")}
            name="timeframe"
            choices={TIMEFRAMES.map((value) => ({
              value,
              label: value === "tick" ? t("strategies.everyTrade") : t("strategies.candles", { timeframe: value }),
            }))}
            selected={timeframe()}
            onValue={(value) => setTimeframe(value as StrategyTimeframe)}
          />
          <ParamInputs input={strategy} numeric checkboxes described />
          <FormActions
            submit={t("strategies.create")}
            disabled={busy() || !strategy.chosenKind()}
            onBack={() => setOpen(false)}
          />
        </form>
      </Show>
      <StatusMessage status={status()} />
    </section>
  );
}

function StrategyCard(props: {
  strategy: StrategyStatus;
  canTrade: boolean;
  onChange: () => Promise<void>;
  /** The strategy's instrument: its quote currency formats the P&L, its lot the position. */
  instrument?: Instrument;
}) {
  const config = () => props.strategy.config;
  const { busy, error, run } = createAction();
  const [editing, setEditing] = createSignal(false);
  const [draft, setDraft] = createSignal<Record<string, string>>({});

  const act = (action: () => Promise<unknown>) =>
    run(async () => {
      await action();
      await props.onChange();
      setEditing(false);
    });

  const startEditing = () => {
    setDraft(Object.fromEntries(Object.entries(config().params).map(([k, v]) => [k, String(v)])));
    setEditing(true);
  };

  /** Numbers stay numbers, booleans booleans, decimal strings strings: the kind's schema on the server decides. */
  const typedParams = () =>
    Object.fromEntries(
      Object.entries(draft()).map(([key, value]) => {
        const original = (config().params as Record<string, unknown>)[key];
        if (typeof original === "number") return [key, Number(value)];
        if (typeof original === "boolean") return [key, value.trim() === "true"];
        return [key, value];
      }),
    );

  const pnl = () => props.strategy.pnl;
  const money = (value: string) => formatMoney(value, props.instrument?.quote);

  return (
    <article class="card" aria-label={t("strategies.card", { id: config().id })} data-strategy={config().id}>
      <header class="card__head">
        <strong>{config().id}</strong>
        <span class={`badge ${props.strategy.running ? "badge--live" : "badge--off"}`}>
          {props.strategy.running ? t("strategies.running") : t("strategies.stopped")}
        </span>
      </header>
      <p class="muted small">
        {config().kind} · {config().symbol} · {config().timeframe ?? "tick"} · {config().account}
      </p>
      <dl class="facts">
        <dt>{t("strategies.netPnl")}</dt>
        <dd class={pnlClass(pnl().netPnl)} data-testid="strategy-net-pnl">
          {money(pnl().netPnl)}
        </dd>
        <dt>{t("strategies.realizedUnrealized")}</dt>
        <dd>
          {money(pnl().realizedPnl)} · {money(pnl().unrealizedPnl)}
        </dd>
        <dt>{t("strategies.fees")}</dt>
        <dd>{money(pnl().fees)}</dd>
        <dt>{t("strategies.position")}</dt>
        <dd>{formatQuantity(pnl().position, props.instrument)}</dd>
        <dt>{t("strategies.signals")}</dt>
        <dd>{props.strategy.signals}</dd>
        <dt>{t("strategies.ordersSent")}</dt>
        <dd>{props.strategy.ordersSent}</dd>
        <For each={Object.entries(config().params)}>
          {([key, value]) => (
            <>
              <dt>{key}</dt>
              <dd>{String(value)}</dd>
            </>
          )}
        </For>
      </dl>
      <Show when={editing()}>
        <form
          class="params"
          onSubmit={(event) => {
            event.preventDefault();
            void act(() => setStrategyParams(config().id, typedParams()));
          }}
        >
          <For each={Object.keys(draft())}>
            {(key) => (
              <TextField
                label={key}
                name={key}
                inputmode="decimal"
                value={draft()[key] ?? ""}
                onValue={(value) => setDraft({ ...draft(), [key]: value })}
              />
            )}
          </For>
          <FormActions submit={t("strategies.saveParams")} disabled={busy()} onBack={() => setEditing(false)} />
        </form>
      </Show>
      <ErrorAlert text={error()} />
      <Show when={props.canTrade}>
        <div class="card__actions">
          <Show
            when={props.strategy.running}
            fallback={
              <button
                type="button"
                class="button button--buy button--small"
                disabled={busy()}
                onClick={() => void act(() => startStrategy(config().id))}
              >
                {t("strategies.start")}
              </button>
            }
          >
            <button
              type="button"
              class="button button--sell button--small"
              disabled={busy()}
              onClick={() => void act(() => stopStrategy(config().id))}
            >
              {t("strategies.stop")}
            </button>
          </Show>
          <Show when={!editing()}>
            <button type="button" class="button button--ghost button--small" onClick={startEditing}>
              {t("strategies.editParams")}
            </button>
          </Show>
        </div>
      </Show>
    </article>
  );
}
