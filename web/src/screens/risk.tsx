import type { RiskLimits, RiskStatus, TradingState } from "@jts/contracts";
import { createSignal, Show } from "solid-js";
import { type Column, CompactTable } from "../components/data-table.tsx";
import { FormActions, SelectField, TextField } from "../components/form.tsx";
import { ErrorAlert, StatusMessage, type StatusText } from "../components/message.tsx";
import { createAction } from "../lib/action.ts";
import { messageOf, setRiskLimits, setTradingState } from "../lib/api.ts";
import { formatDecimal, formatMoney, isPositiveDecimal } from "../lib/decimal.ts";
import { formatTime } from "../lib/format.ts";
import { t } from "../lib/i18n.ts";
import { tradingStateLabel } from "../lib/labels.ts";
import type { TradingStore } from "../lib/store.ts";

/** The word typed to halt: the same in every language (a deliberate act, not a translation). */
const CONFIRM_WORD = "HALT";

const accountColumns = (): Column[] => [
  { title: t("col.account") },
  { title: t("col.state") },
  { title: t("col.dailyPnl"), class: "num" },
  { title: t("col.drawdown"), class: "num" },
];

export function RiskScreen(props: { store: TradingStore; canTrade: boolean; isAdmin: boolean }) {
  const risk = () => props.store.risk();
  const apply = (next: RiskStatus) => props.store.setRisk((current) => ({ ...current, ...next }));

  return (
    <div class="screen screen--risk">
      <section class="panel" aria-labelledby="risk-title">
        <h2 id="risk-title">{t("risk.title")}</h2>
        <Show when={risk()} fallback={<p class="muted">{props.store.errors.risk ?? t("common.loading")}</p>}>
          {(status) => (
            <>
              <p
                class={`trading-state trading-state--${status().state.toLowerCase()}`}
                data-testid="trading-state"
                data-state={status().state}
              >
                {tradingStateLabel(status().state)}
              </p>
              <p class="muted">
                {status().reason} · {formatTime(status().updatedAt, { date: true })}
              </p>
              <dl class="facts">
                <dt>{t("risk.maxOrder")}</dt>
                <dd>{formatDecimal(status().limits.maxOrderNotional)}</dd>
                <dt>{t("risk.maxPosition")}</dt>
                <dd>{formatDecimal(status().limits.maxPositionNotional)}</dd>
              </dl>
              <Show when={status().accounts?.length}>
                <CompactTable caption={t("risk.perAccount")} columns={accountColumns()} rows={status().accounts ?? []}>
                  {(account) => (
                    <tr>
                      <th scope="row">{account.account}</th>
                      <td>{tradingStateLabel(account.state)}</td>
                      <td class="num">{formatMoney(account.dailyPnl, account.currency)}</td>
                      <td class="num">{formatMoney(account.drawdown, account.currency)}</td>
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
                {t("risk.killSwitch")}
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
              <h3 id="halt-title">{t("risk.halt")}</h3>
              <p>{t("risk.haltNote")}</p>
              <Show when={props.accounts.length > 0}>
                <SelectField
                  label={t("risk.scope")}
                  name="scope"
                  choices={[
                    ...(props.isAdmin ? [{ value: "", label: t("risk.wholePlatform") }] : []),
                    ...props.accounts.map((account) => ({
                      value: account,
                      label: t("common.account", { id: account }),
                    })),
                  ]}
                  selected={scope()}
                  onValue={setScope}
                />
              </Show>
              <TextField label={t("risk.reason")} name="reason" value={reason()} onValue={setReason} />
              <label class="check">
                <input
                  type="checkbox"
                  checked={cancelOrders()}
                  onChange={(event) => setCancelOrders(event.currentTarget.checked)}
                />
                <span>{t("risk.cancelOpen")}</span>
              </label>
              <TextField
                label={t("risk.typeToConfirm", { word: CONFIRM_WORD })}
                name="confirm"
                autocomplete="off"
                value={typed()}
                onValue={setTyped}
              />
              <FormActions
                submit={t("risk.halt")}
                tone="danger"
                disabled={busy() || typed() !== CONFIRM_WORD}
                onBack={() => setOpen(false)}
              />
            </form>
          </Show>
        }
      >
        <Show when={props.isAdmin} fallback={<p class="muted">{t("risk.haltedNote")}</p>}>
          <div class="confirm__actions">
            <button
              type="button"
              class="button button--buy"
              disabled={busy()}
              onClick={() => void change("ACTIVE", { reason: "resumed" })}
            >
              {t("risk.resume")}
            </button>
            <button
              type="button"
              class="button button--ghost"
              disabled={busy()}
              onClick={() => void change("REDUCING", { reason: "reduce only" })}
            >
              {t("risk.reduceOnly")}
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
      setStatus({ ok: false, text: t("risk.limitsPositive") });
      return;
    }
    try {
      await setRiskLimits({
        ...(account().trim() ? { account: account().trim() } : {}),
        limits: { maxOrderNotional: orderLimit().trim(), maxPositionNotional: positionLimit().trim() },
      });
      setStatus({ ok: true, text: t("risk.limitsSaved") });
      props.onSaved();
    } catch (error) {
      setStatus({ ok: false, text: messageOf(error) });
    }
  };

  return (
    <section class="panel" aria-labelledby="limits-title">
      <h2 id="limits-title">{t("risk.limits")}</h2>
      <form class="ticket" onSubmit={save} novalidate>
        <TextField label={t("risk.limitAccount")} name="account" value={account()} onValue={setAccount} />
        <TextField
          label={t("risk.maxOrder")}
          name="maxOrderNotional"
          inputmode="decimal"
          value={orderLimit()}
          onValue={setOrderLimit}
        />
        <TextField
          label={t("risk.maxPosition")}
          name="maxPositionNotional"
          inputmode="decimal"
          value={positionLimit()}
          onValue={setPositionLimit}
        />
        <button type="submit" class="button button--primary">
          {t("risk.saveLimits")}
        </button>
        <StatusMessage status={status()} />
      </form>
    </section>
  );
}
