import type { Account, EquitySnapshot } from "@jts/contracts";
import { createMemo, createSignal, For, Match, Show, Switch } from "solid-js";
import { type Column, CompactTable, DataTable } from "../components/data-table.tsx";
import { EquityChart } from "../components/equity-chart.tsx";
import { FormActions, TextField } from "../components/form.tsx";
import { ErrorAlert } from "../components/message.tsx";
import { createAction } from "../lib/action.ts";
import { armAccount, disarmAccount, getEquity } from "../lib/api.ts";
import { formatMoney, percentChange, pnlClass, signOf, sumDecimals } from "../lib/decimal.ts";
import { rowFormats } from "../lib/format.ts";
import { t } from "../lib/i18n.ts";
import { createLoadable, errorMessage, readyValue } from "../lib/loadable.ts";
import type { TradingStore } from "../lib/store.ts";

const numPnl = (value: string) => `num ${pnlClass(value)}`;

const positionColumns = (): Column[] => [
  { title: t("col.symbol") },
  { title: t("col.heldQuantity"), class: "num" },
  { title: t("col.avgPrice"), class: "num hide-narrow" },
  { title: t("col.last"), class: "num hide-narrow" },
  { title: t("col.unrealized"), class: "num" },
  { title: t("col.return"), class: "num" },
  { title: t("col.realized"), class: "num" },
  { title: t("col.account"), class: "hide-narrow" },
];

const balanceColumns = (): Column[] => [
  { title: t("col.currency") },
  { title: t("col.total"), class: "num" },
  { title: t("col.free"), class: "num" },
  { title: t("col.locked"), class: "num" },
];

/**
 * 수익률: the last price against the average price, signed for the side held
 * (a short gains as the price falls); "+1.25%", or "—" without a last price.
 */
export function positionReturn(position: { quantity: string; averagePrice: string; lastPrice: string | null }): string {
  const change = percentChange(position.lastPrice, position.averagePrice);
  if (change === null || signOf(position.quantity) === 0) return "—";
  if (signOf(position.quantity) > 0 || change === "0.00") return `${change}%`;
  return `${change.startsWith("-") ? `+${change.slice(1)}` : `-${change.slice(1)}`}%`;
}

export function PortfolioScreen(props: { store: TradingStore; isAdmin: boolean }) {
  const positions = () =>
    props.store.positions().filter((p) => signOf(p.quantity) !== 0 || signOf(p.realizedPnl) !== 0);
  const totals = createMemo(() => {
    const byCurrency = new Map<string, { realized: string[]; unrealized: string[] }>();
    for (const p of positions()) {
      const entry = byCurrency.get(p.currency) ?? { realized: [], unrealized: [] };
      entry.realized.push(p.realizedPnl);
      entry.unrealized.push(p.unrealizedPnl);
      byCurrency.set(p.currency, entry);
    }
    return [...byCurrency.entries()].map(([currency, e]) => ({
      currency,
      realized: sumDecimals(e.realized),
      unrealized: sumDecimals(e.unrealized),
    }));
  });
  const [equity] = createLoadable(() => getEquity());
  const format = rowFormats(() => props.store.instruments());

  return (
    <div class="screen screen--portfolio">
      <section class="panel" aria-labelledby="positions-title">
        <h2 id="positions-title">{t("portfolio.positions")}</h2>
        <div class="pnl-summary">
          <For each={totals()}>
            {(total) => (
              <>
                <div>
                  <span class="muted small">{t("portfolio.unrealizedTotal", { currency: total.currency })}</span>
                  <strong class={numPnl(total.unrealized)}>{formatMoney(total.unrealized, total.currency)}</strong>
                </div>
                <div>
                  <span class="muted small">{t("portfolio.realizedTotal", { currency: total.currency })}</span>
                  <strong class={numPnl(total.realized)}>{formatMoney(total.realized, total.currency)}</strong>
                </div>
              </>
            )}
          </For>
        </div>
        <DataTable
          label={t("portfolio.positions")}
          columns={positionColumns()}
          rows={positions()}
          empty={t("portfolio.noPositions")}
        >
          {(p) => (
            <tr data-symbol={p.symbol}>
              <th scope="row">{p.symbol}</th>
              <td class="num" data-testid="position-quantity">
                {format.quantity(p.symbol, p.quantity)}
              </td>
              <td class="num hide-narrow">{format.price(p.symbol, p.averagePrice)}</td>
              <td class="num hide-narrow">{format.price(p.symbol, p.lastPrice)}</td>
              <td class={numPnl(p.unrealizedPnl)}>{formatMoney(p.unrealizedPnl, p.currency)}</td>
              <td class={numPnl(p.unrealizedPnl)} data-testid="position-return">
                {positionReturn(p)}
              </td>
              <td class={numPnl(p.realizedPnl)}>{formatMoney(p.realizedPnl, p.currency)}</td>
              <td class="muted hide-narrow">{p.account}</td>
            </tr>
          )}
        </DataTable>
      </section>
      <section class="panel" aria-labelledby="balances-title">
        <h2 id="balances-title">{t("portfolio.balances")}</h2>
        <For each={props.store.accounts()} fallback={<p class="empty">{t("portfolio.noAccounts")}</p>}>
          {(account) => <AccountCard account={account} isAdmin={props.isAdmin} onChange={props.store.reloadAccounts} />}
        </For>
      </section>
      <section class="panel" aria-labelledby="equity-title">
        <h2 id="equity-title">{t("portfolio.equity")}</h2>
        <Switch>
          <Match when={equity().state === "loading"}>
            <p class="muted">{t("common.loading")}</p>
          </Match>
          <Match when={errorMessage(equity())}>{(message) => <p class="message message--error">{message()}</p>}</Match>
          <Match when={readyValue(equity())}>
            {(points) => (
              <For each={curvesOf(points())} fallback={<p class="empty">{t("portfolio.noEquity")}</p>}>
                {(curve) => (
                  <>
                    <h3 class="muted small">
                      {curve.account} · {curve.currency}
                    </h3>
                    <EquityChart
                      points={curve.points}
                      label={t("portfolio.equityLabel", { account: curve.account, currency: curve.currency })}
                    />
                  </>
                )}
              </For>
            )}
          </Match>
        </Switch>
      </section>
    </div>
  );
}

/** One curve per account and currency: snapshots of different ones cannot share a line. */
function curvesOf(points: EquitySnapshot[]): Array<{ account: string; currency: string; points: EquitySnapshot[] }> {
  const curves = new Map<string, { account: string; currency: string; points: EquitySnapshot[] }>();
  for (const point of points) {
    const key = `${point.account}\u0000${point.currency}`;
    const curve = curves.get(key) ?? { account: point.account, currency: point.currency, points: [] };
    curve.points.push(point);
    curves.set(key, curve);
  }
  return [...curves.values()].sort(
    (a, b) => a.account.localeCompare(b.account) || a.currency.localeCompare(b.currency),
  );
}

/** Balances per currency; the mode badge and, for an admin, arming with the account id typed back. */
function AccountCard(props: { account: Account; isAdmin: boolean; onChange: () => unknown }) {
  const [arming, setArming] = createSignal(false);
  const [typed, setTyped] = createSignal("");
  const { error, run } = createAction();

  const act = (action: () => Promise<unknown>) =>
    run(async () => {
      await action();
      setArming(false);
      setTyped("");
      await props.onChange();
    });

  return (
    <article class="account" aria-label={t("common.account", { id: props.account.id })}>
      <header class="account__head">
        <strong>{props.account.id}</strong>
        <span class={`badge badge--${props.account.mode.toLowerCase()}`}>
          {t(props.account.mode === "LIVE" ? "mode.LIVE" : "mode.PAPER")}
        </span>
        <span class="muted small">
          {props.account.venue} · {props.account.kind}
        </span>
        <Show when={props.isAdmin}>
          <Show
            when={props.account.mode === "LIVE"}
            fallback={
              <button type="button" class="button button--ghost button--small" onClick={() => setArming(true)}>
                {t("portfolio.armLive")}
              </button>
            }
          >
            <button
              type="button"
              class="button button--ghost button--small"
              onClick={() => void act(() => disarmAccount(props.account.id))}
            >
              {t("portfolio.disarm")}
            </button>
          </Show>
        </Show>
      </header>
      <Show when={arming()}>
        <form
          class="confirm"
          onSubmit={(event) => {
            event.preventDefault();
            void act(() => armAccount(props.account.id, typed()));
          }}
        >
          <TextField label={t("portfolio.typeId")} value={typed()} onValue={setTyped} autocomplete="off" />
          <FormActions
            submit={t("portfolio.arm", { id: props.account.id })}
            tone="sell"
            disabled={typed() !== props.account.id}
            onBack={() => setArming(false)}
          />
        </form>
      </Show>
      <ErrorAlert text={error()} />
      <CompactTable columns={balanceColumns()} rows={props.account.balances} empty={t("portfolio.noBalances")}>
        {(balance) => (
          <tr>
            <th scope="row">{balance.currency}</th>
            <td class="num">{formatMoney(balance.total, balance.currency)}</td>
            <td class="num">{formatMoney(balance.free, balance.currency)}</td>
            <td class="num">{formatMoney(balance.locked, balance.currency)}</td>
          </tr>
        )}
      </CompactTable>
    </article>
  );
}
