import type { RiskLimits, RiskStatus, TradingState } from "@jts/contracts";
import { createSignal, Show } from "solid-js";
import { type Column, CompactTable } from "../components/data-table.tsx";
import { FormActions, SelectField, TextField } from "../components/form.tsx";
import { ErrorAlert, StatusMessage, type StatusText } from "../components/message.tsx";
import { createAction } from "../lib/action.ts";
import { messageOf, setRiskLimits, setTradingState } from "../lib/api.ts";
import { formatDecimal, formatNanosTime, isPositiveDecimal } from "../lib/decimal.ts";
import type { TradingStore } from "../lib/store.ts";

const CONFIRM_WORD = "HALT";

const ACCOUNT_COLUMNS: Column[] = [
  { title: "Account" },
  { title: "State" },
  { title: "Daily P&L", class: "num" },
  { title: "Drawdown", class: "num" },
];

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
                <CompactTable caption="Per account" columns={ACCOUNT_COLUMNS} rows={status().accounts ?? []}>
                  {(account) => (
                    <tr>
                      <th scope="row">{account.account}</th>
                      <td>{account.state}</td>
                      <td class="num">{formatDecimal(account.dailyPnl)}</td>
                      <td class="num">{formatDecimal(account.drawdown)}</td>
                    </tr>
                  )}
                </CompactTable>
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
  const { busy, error, run } = createAction();

  const change = (state: TradingState, extra: { reason?: string; cancelOpenOrders?: boolean; account?: string } = {}) =>
    run(async () => {
      props.onChanged(await setTradingState({ state, ...extra }), extra.account);
      setOpen(false);
      setTyped("");
    });

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
                <SelectField
                  label="Scope"
                  name="scope"
                  choices={[
                    ...(props.isAdmin ? [{ value: "", label: "Whole platform" }] : []),
                    ...props.accounts.map((account) => ({ value: account, label: `Account ${account}` })),
                  ]}
                  selected={scope()}
                  onValue={setScope}
                />
              </Show>
              <TextField label="Reason" name="reason" value={reason()} onValue={setReason} />
              <label class="check">
                <input
                  type="checkbox"
                  checked={cancelOrders()}
                  onChange={(event) => setCancelOrders(event.currentTarget.checked)}
                />
                <span>Also cancel every open order</span>
              </label>
              <TextField
                label={`Type ${CONFIRM_WORD} to confirm`}
                name="confirm"
                autocomplete="off"
                value={typed()}
                onValue={setTyped}
              />
              <FormActions
                submit="Halt trading"
                tone="danger"
                disabled={busy() || typed() !== CONFIRM_WORD}
                onBack={() => setOpen(false)}
              />
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
      <ErrorAlert text={error()} />
    </div>
  );
}

function LimitsEditor(props: { limits: RiskLimits; onSaved: () => void }) {
  const [orderLimit, setOrderLimit] = createSignal(props.limits.maxOrderNotional);
  const [positionLimit, setPositionLimit] = createSignal(props.limits.maxPositionNotional);
  const [account, setAccount] = createSignal("");
  const [status, setStatus] = createSignal<StatusText | null>(null);
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
        <TextField label="Account (empty: platform default)" name="account" value={account()} onValue={setAccount} />
        <TextField
          label="Max order value"
          name="maxOrderNotional"
          inputmode="decimal"
          value={orderLimit()}
          onValue={setOrderLimit}
        />
        <TextField
          label="Max position value"
          name="maxPositionNotional"
          inputmode="decimal"
          value={positionLimit()}
          onValue={setPositionLimit}
        />
        <button type="submit" class="button button--primary">
          Save limits
        </button>
        <StatusMessage status={status()} />
      </form>
    </section>
  );
}
