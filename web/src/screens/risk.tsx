import type { RiskLimits, RiskStatus, TradingState } from "@jts/contracts";
import { createSignal, For, Show } from "solid-js";
import { messageOf, setRiskLimits, setTradingState } from "../lib/api.ts";
import { formatDecimal, formatNanosTime, isPositiveDecimal } from "../lib/decimal.ts";
import type { TradingStore } from "../lib/store.ts";

const CONFIRM_WORD = "HALT";

export function RiskScreen(props: { store: TradingStore; canTrade: boolean; isAdmin: boolean }) {
  const risk = () => props.store.risk();
  const apply = (next: RiskStatus) => props.store.setRisk((current) => ({ ...current, ...next }));

  return (
    <div class="screen screen--risk">
      <section class="panel" aria-labelledby="risk-title">
        <h2 id="risk-title">Trading state</h2>
        <Show when={risk()} fallback={<p class="muted">{props.store.errors.risk ?? "Loading…"}</p>}>
          {(status) => (
            <>
              <p class={`trading-state trading-state--${status().state.toLowerCase()}`} data-testid="trading-state">
                {status().state}
              </p>
              <p class="muted">
                {status().reason} · {formatNanosTime(status().updatedAt)}
              </p>
              <dl class="facts">
                <dt>Max order value</dt>
                <dd>{formatDecimal(status().limits.maxOrderNotional)}</dd>
                <dt>Max position value</dt>
                <dd>{formatDecimal(status().limits.maxPositionNotional)}</dd>
              </dl>
              <Show when={status().accounts?.length}>
                <table class="compact">
                  <caption>Per account</caption>
                  <thead>
                    <tr>
                      <th scope="col">Account</th>
                      <th scope="col">State</th>
                      <th scope="col" class="num">
                        Daily P&amp;L
                      </th>
                      <th scope="col" class="num">
                        Drawdown
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={status().accounts}>
                      {(account) => (
                        <tr>
                          <th scope="row">{account.account}</th>
                          <td>{account.state}</td>
                          <td class="num">{formatDecimal(account.dailyPnl)}</td>
                          <td class="num">{formatDecimal(account.drawdown)}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </Show>
            </>
          )}
        </Show>
        <Show when={props.canTrade}>
          <KillSwitch
            state={risk()?.state ?? null}
            isAdmin={props.isAdmin}
            accounts={risk()?.accounts?.map((a) => a.account) ?? []}
            onChanged={(next, account) => (account ? void props.store.reloadRisk() : apply(next))}
          />
        </Show>
      </section>
      <Show when={props.isAdmin && risk()}>
        {(status) => <LimitsEditor limits={status().limits} onSaved={() => void props.store.reloadRisk()} />}
      </Show>
    </div>
  );
}

/**
 * HALTED behind a typed confirmation; resuming (admin only) is a plain button.
 * The scope is the platform or one of the accounts the risk status lists (the
 * caller's own, for a trader).
 */
function KillSwitch(props: {
  state: TradingState | null;
  isAdmin: boolean;
  accounts: string[];
  /** `account` set: the answer is that account's state, not the platform's. */
  onChanged: (risk: RiskStatus, account?: string) => void;
}) {
  const [open, setOpen] = createSignal(false);
  const [chosenScope, setScope] = createSignal("");
  // Only an admin halts the whole platform (the gateway refuses it to others): a trader's switch
  // starts on their own account.
  const scope = () => chosenScope() || (props.isAdmin ? "" : (props.accounts[0] ?? ""));
  const [typed, setTyped] = createSignal("");
  const [reason, setReason] = createSignal("");
  const [cancelOrders, setCancelOrders] = createSignal(true);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  const change = async (
    state: TradingState,
    extra: { reason?: string; cancelOpenOrders?: boolean; account?: string } = {},
  ) => {
    setBusy(true);
    setError(null);
    try {
      props.onChanged(await setTradingState({ state, ...extra }), extra.account);
      setOpen(false);
      setTyped("");
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="kill-switch">
      <Show
        when={props.state === "HALTED"}
        fallback={
          <Show
            when={open()}
            fallback={
              <button type="button" class="button button--danger" onClick={() => setOpen(true)}>
                Kill switch…
              </button>
            }
          >
            <form
              class="confirm confirm--danger"
              aria-labelledby="halt-title"
              onSubmit={(event) => {
                event.preventDefault();
                if (typed() === CONFIRM_WORD) {
                  void change("HALTED", {
                    reason: reason() || "kill switch",
                    cancelOpenOrders: cancelOrders(),
                    ...(scope() ? { account: scope() } : {}),
                  });
                }
              }}
            >
              <h3 id="halt-title">Halt trading</h3>
              <p>Every new order in scope is refused until an admin resumes trading.</p>
              <Show when={props.accounts.length > 0}>
                <label class="field">
                  <span>Scope</span>
                  <select name="scope" onChange={(event) => setScope(event.currentTarget.value)}>
                    <Show when={props.isAdmin}>
                      <option value="" selected={scope() === ""}>
                        Whole platform
                      </option>
                    </Show>
                    <For each={props.accounts}>
                      {(account) => (
                        <option value={account} selected={scope() === account}>
                          Account {account}
                        </option>
                      )}
                    </For>
                  </select>
                </label>
              </Show>
              <label class="field">
                <span>Reason</span>
                <input name="reason" value={reason()} onInput={(event) => setReason(event.currentTarget.value)} />
              </label>
              <label class="check">
                <input
                  type="checkbox"
                  checked={cancelOrders()}
                  onChange={(event) => setCancelOrders(event.currentTarget.checked)}
                />
                <span>Also cancel every open order</span>
              </label>
              <label class="field">
                <span>Type {CONFIRM_WORD} to confirm</span>
                <input
                  name="confirm"
                  autocomplete="off"
                  value={typed()}
                  onInput={(event) => setTyped(event.currentTarget.value)}
                />
              </label>
              <div class="confirm__actions">
                <button type="button" class="button button--ghost" onClick={() => setOpen(false)}>
                  Back
                </button>
                <button type="submit" class="button button--danger" disabled={busy() || typed() !== CONFIRM_WORD}>
                  Halt trading
                </button>
              </div>
            </form>
          </Show>
        }
      >
        <Show when={props.isAdmin} fallback={<p class="muted">Trading is halted. Only an admin can resume it.</p>}>
          <div class="confirm__actions">
            <button
              type="button"
              class="button button--buy"
              disabled={busy()}
              onClick={() => void change("ACTIVE", { reason: "resumed" })}
            >
              Resume trading
            </button>
            <button
              type="button"
              class="button button--ghost"
              disabled={busy()}
              onClick={() => void change("REDUCING", { reason: "reduce only" })}
            >
              Reduce only
            </button>
          </div>
        </Show>
      </Show>
      <Show when={error()}>
        {(message) => (
          <p class="message message--error" role="alert">
            {message()}
          </p>
        )}
      </Show>
    </div>
  );
}

function LimitsEditor(props: { limits: RiskLimits; onSaved: () => void }) {
  const [orderLimit, setOrderLimit] = createSignal(props.limits.maxOrderNotional);
  const [positionLimit, setPositionLimit] = createSignal(props.limits.maxPositionNotional);
  const [account, setAccount] = createSignal("");
  const [status, setStatus] = createSignal<{ ok: boolean; text: string } | null>(null);
  const valid = () => isPositiveDecimal(orderLimit().trim()) && isPositiveDecimal(positionLimit().trim());

  const save = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!valid()) {
      setStatus({ ok: false, text: "Both limits must be positive numbers" });
      return;
    }
    try {
      await setRiskLimits({
        ...(account().trim() ? { account: account().trim() } : {}),
        limits: { maxOrderNotional: orderLimit().trim(), maxPositionNotional: positionLimit().trim() },
      });
      setStatus({ ok: true, text: "Limits saved" });
      props.onSaved();
    } catch (error) {
      setStatus({ ok: false, text: messageOf(error) });
    }
  };

  return (
    <section class="panel" aria-labelledby="limits-title">
      <h2 id="limits-title">Risk limits (admin)</h2>
      <form class="ticket" onSubmit={save} novalidate>
        <label class="field">
          <span>Account (empty: platform default)</span>
          <input name="account" value={account()} onInput={(event) => setAccount(event.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Max order value</span>
          <input
            name="maxOrderNotional"
            inputmode="decimal"
            value={orderLimit()}
            onInput={(event) => setOrderLimit(event.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>Max position value</span>
          <input
            name="maxPositionNotional"
            inputmode="decimal"
            value={positionLimit()}
            onInput={(event) => setPositionLimit(event.currentTarget.value)}
          />
        </label>
        <button type="submit" class="button button--primary">
          Save limits
        </button>
        <Show when={status()}>
          {(s) => (
            <p class={s().ok ? "message" : "message message--error"} role={s().ok ? "status" : "alert"}>
              {s().text}
            </p>
          )}
        </Show>
      </form>
    </section>
  );
}
