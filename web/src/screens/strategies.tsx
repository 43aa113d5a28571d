import { createSignal, For, Show } from "solid-js";
import { NotAvailable } from "../components/not-available.tsx";
import {
  getStrategies,
  messageOf,
  NotAvailableError,
  type StrategyView,
  setStrategyParams,
  startStrategy,
  stopStrategy,
} from "../lib/api.ts";
import { formatDecimal, signOf } from "../lib/decimal.ts";
import { createOptional, errorMessage, readyValue } from "../lib/optional.ts";

export function StrategiesScreen(props: { canTrade: boolean }) {
  const [strategies, reload] = createOptional(getStrategies);
  return (
    <div class="screen">
      <section class="panel" aria-labelledby="strategies-title">
        <h2 id="strategies-title">Strategies</h2>
        <Show when={errorMessage(strategies())}>{(message) => <p class="message message--error">{message()}</p>}</Show>
        <Show when={strategies().state === "not-available"}>
          <NotAvailable what="The strategy list" />
        </Show>
        <div class="cards">
          <For each={readyValue(strategies()) ?? []} fallback={<p class="empty">No strategies</p>}>
            {(strategy) => <StrategyCard strategy={strategy} canTrade={props.canTrade} onChange={reload} />}
          </For>
        </div>
      </section>
    </div>
  );
}

function StrategyCard(props: { strategy: StrategyView; canTrade: boolean; onChange: () => Promise<void> }) {
  const config = () => props.strategy.config;
  const [busy, setBusy] = createSignal(false);
  const [message, setMessage] = createSignal<string | null>(null);
  const [editing, setEditing] = createSignal(false);
  const [draft, setDraft] = createSignal<Record<string, string>>({});

  const act = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setMessage(null);
    try {
      await action();
      await props.onChange();
      setEditing(false);
    } catch (error) {
      setMessage(
        error instanceof NotAvailableError
          ? "Editing parameters is not available on this gateway yet."
          : messageOf(error),
      );
    } finally {
      setBusy(false);
    }
  };

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

  return (
    <article class="card" aria-label={`Strategy ${config().id}`} data-strategy={config().id}>
      <header class="card__head">
        <strong>{config().id}</strong>
        <span class={`badge ${props.strategy.running ? "badge--live" : "badge--off"}`}>
          {props.strategy.running ? "Running" : "Stopped"}
        </span>
      </header>
      <p class="muted small">
        {config().kind} · {config().symbol} · {config().timeframe ?? "tick"} · {config().account}
      </p>
      <dl class="facts">
        <dt>Net P&amp;L</dt>
        <Show when={pnl()} fallback={<dd class="muted">not reported</dd>}>
          {(book) => (
            <dd class={`pnl pnl--${signOf(book().netPnl) > 0 ? "up" : signOf(book().netPnl) < 0 ? "down" : "flat"}`}>
              {formatDecimal(book().netPnl)}
            </dd>
          )}
        </Show>
        <Show when={pnl()}>
          {(book) => (
            <>
              <dt>Realized · unrealized</dt>
              <dd>
                {formatDecimal(book().realizedPnl)} · {formatDecimal(book().unrealizedPnl)}
              </dd>
              <dt>Fees</dt>
              <dd>{formatDecimal(book().fees)}</dd>
              <dt>Position</dt>
              <dd>{formatDecimal(book().position)}</dd>
            </>
          )}
        </Show>
        <dt>Signals</dt>
        <dd>{props.strategy.signals}</dd>
        <dt>Orders sent</dt>
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
              <label class="field">
                <span>{key}</span>
                <input
                  name={key}
                  inputmode="decimal"
                  value={draft()[key] ?? ""}
                  onInput={(event) => setDraft({ ...draft(), [key]: event.currentTarget.value })}
                />
              </label>
            )}
          </For>
          <div class="confirm__actions">
            <button type="button" class="button button--ghost" onClick={() => setEditing(false)}>
              Back
            </button>
            <button type="submit" class="button button--primary" disabled={busy()}>
              Save parameters
            </button>
          </div>
        </form>
      </Show>
      <Show when={message()}>
        {(text) => (
          <p class="message message--error" role="alert">
            {text()}
          </p>
        )}
      </Show>
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
                Start
              </button>
            }
          >
            <button
              type="button"
              class="button button--sell button--small"
              disabled={busy()}
              onClick={() => void act(() => stopStrategy(config().id))}
            >
              Stop
            </button>
          </Show>
          <Show when={!editing()}>
            <button type="button" class="button button--ghost button--small" onClick={startEditing}>
              Edit parameters
            </button>
          </Show>
        </div>
      </Show>
    </article>
  );
}
