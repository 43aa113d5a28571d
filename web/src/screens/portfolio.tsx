import type { Account, EquitySnapshot } from "@jts/contracts";
import { createMemo, createSignal, For, Match, Show, Switch } from "solid-js";
import { type Column, CompactTable, DataTable } from "../components/data-table.tsx";
import { EquityChart } from "../components/equity-chart.tsx";
import { FormActions, TextField } from "../components/form.tsx";
import { ErrorAlert } from "../components/message.tsx";
import { createAction } from "../lib/action.ts";
import { armAccount, disarmAccount, getEquity } from "../lib/api.ts";
import { formatDecimal, formatMoney, pnlClass, signOf, sumDecimals } from "../lib/decimal.ts";
import { createLoadable, errorMessage, readyValue } from "../lib/loadable.ts";
import type { TradingStore } from "../lib/store.ts";

const numPnl = (value: string) => `num ${pnlClass(value)}`;

const POSITION_COLUMNS: Column[] = [
  { title: "Symbol" },
  { title: "Qty", class: "num" },
  { title: "Avg price", class: "num hide-narrow" },
  { title: "Last", class: "num hide-narrow" },
  { title: "Unrealized", class: "num" },
  { title: "Realized", class: "num" },
  { title: "Account", class: "hide-narrow" },
];

const BALANCE_COLUMNS: Column[] = [
  { title: "Currency" },
  { title: "Total", class: "num" },
  { title: "Free", class: "num" },
  { title: "Locked", class: "num" },
];

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

  return (
    <div class="screen screen--portfolio">
      <section class="panel" aria-labelledby="positions-title">
        <h2 id="positions-title">Positions</h2>
        <div class="pnl-summary">
          <For each={totals()}>
            {(total) => (
              <>
                <div>
                  <span class="muted small">Unrealized {total.currency}</span>
                  <strong class={numPnl(total.unrealized)}>{formatMoney(total.unrealized, total.currency)}</strong>
                </div>
                <div>
                  <span class="muted small">Realized {total.currency}</span>
                  <strong class={numPnl(total.realized)}>{formatMoney(total.realized, total.currency)}</strong>
                </div>
              </>
            )}
          </For>
        </div>
        <DataTable label="Positions" columns={POSITION_COLUMNS} rows={positions()} empty="No positions">
          {(p) => (
            <tr data-symbol={p.symbol}>
              <th scope="row">{p.symbol}</th>
              <td class="num" data-testid="position-quantity">
                {formatDecimal(p.quantity)}
              </td>
              <td class="num hide-narrow">{formatDecimal(p.averagePrice)}</td>
              <td class="num hide-narrow">{formatDecimal(p.lastPrice)}</td>
              <td class={numPnl(p.unrealizedPnl)}>{formatDecimal(p.unrealizedPnl)}</td>
              <td class={numPnl(p.realizedPnl)}>{formatDecimal(p.realizedPnl)}</td>
              <td class="muted hide-narrow">{p.account}</td>
            </tr>
          )}
        </DataTable>
      </section>
      <section class="panel" aria-labelledby="balances-title">
        <h2 id="balances-title">Accounts and balances</h2>
        <For each={props.store.accounts()} fallback={<p class="empty">No accounts</p>}>
          {(account) => <AccountCard account={account} isAdmin={props.isAdmin} onChange={props.store.reloadAccounts} />}
        </For>
      </section>
      <section class="panel" aria-labelledby="equity-title">
        <h2 id="equity-title">Equity</h2>
        <Switch>
          <Match when={equity().state === "loading"}>
            <p class="muted">Loading…</p>
          </Match>
          <Match when={errorMessage(equity())}>{(message) => <p class="message message--error">{message()}</p>}</Match>
          <Match when={readyValue(equity())}>
            {(points) => (
              <For each={curvesOf(points())} fallback={<p class="empty">No equity snapshots yet</p>}>
                {(curve) => (
                  <>
                    <h3 class="muted small">
                      {curve.account} · {curve.currency}
                    </h3>
                    <EquityChart points={curve.points} label={`Equity of ${curve.account} in ${curve.currency}`} />
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
    <article class="account" aria-label={`Account ${props.account.id}`}>
      <header class="account__head">
        <strong>{props.account.id}</strong>
        <span class={`badge badge--${props.account.mode.toLowerCase()}`}>{props.account.mode}</span>
        <span class="muted small">
          {props.account.venue} · {props.account.kind}
        </span>
        <Show when={props.isAdmin}>
          <Show
            when={props.account.mode === "LIVE"}
            fallback={
              <button type="button" class="button button--ghost button--small" onClick={() => setArming(true)}>
                Arm live…
              </button>
            }
          >
            <button
              type="button"
              class="button button--ghost button--small"
              onClick={() => void act(() => disarmAccount(props.account.id))}
            >
              Disarm
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
          <TextField
            label="Type the account id to trade it with real money"
            value={typed()}
            onValue={setTyped}
            autocomplete="off"
          />
          <FormActions
            submit={`Arm ${props.account.id}`}
            tone="sell"
            disabled={typed() !== props.account.id}
            onBack={() => setArming(false)}
          />
        </form>
      </Show>
      <ErrorAlert text={error()} />
      <CompactTable columns={BALANCE_COLUMNS} rows={props.account.balances} empty="No balances">
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
