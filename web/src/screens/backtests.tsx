import type { BacktestRequest, BacktestRun, BacktestSummary } from "@jts/contracts";
import { createSignal, Show } from "solid-js";
import { BacktestCandles, BacktestEquity } from "../components/backtest-charts.tsx";
import { DataTable } from "../components/data-table.tsx";
import { FormActions, SelectField, TextField } from "../components/form.tsx";
import { ErrorAlert, StatusMessage } from "../components/message.tsx";
import { RunPanel } from "../components/run-panel.tsx";
import {
  CostFields,
  createCostInput,
  createKindInput,
  createSourceInput,
  KindField,
  ParamInputs,
  SourceFields,
} from "../components/strategy-form.tsx";
import { createSubmit } from "../lib/action.ts";
import { deleteBacktest, getBacktest, getBacktests, messageOf, runBacktest } from "../lib/api.ts";
import { formatDecimal, formatNanosTime, pnlClass } from "../lib/decimal.ts";
import { type MessageKey, t } from "../lib/i18n.ts";
import { createLoadable, errorMessage, readyValue } from "../lib/loadable.ts";
import { paramValues } from "../lib/param-schema.ts";
import { watchRun } from "../lib/run-watch.ts";
import type { LiveConnection } from "../lib/ws.ts";

/**
 * The contracts' CSV_MAX_CHARS (the gateway refuses more), copied so the bundle does
 * not pull in TypeBox; web/test/backtests.test.ts holds the two equal.
 */
export const CSV_MAX_CHARS = 60_000;

type SourceType = BacktestRequest["source"]["type"];

/**
 * Backtests on the same runner as `just backtest`: a form built from the
 * kind's parameter schema (as the Strategies screen builds its own), the run's
 * progress from /ws `backtest:<id>`, the result (summary, equity and drawdown,
 * the trades on the candles, round trips), two runs side by side, and the
 * caller's past runs to re-open. Viewers see runs but cannot start one.
 */
export function BacktestsScreen(props: { canTrade: boolean; live: LiveConnection }) {
  const [runs, reload] = createLoadable(getBacktests);
  const [openId, setOpenId] = createSignal<string | null>(null);
  const [compareId, setCompareId] = createSignal<string | null>(null);
  const [listError, setListError] = createSignal<string | null>(null);

  const remove = async (id: string) => {
    try {
      await deleteBacktest(id);
      if (openId() === id) setOpenId(null);
      if (compareId() === id) setCompareId(null);
      await reload();
    } catch (error) {
      setListError(messageOf(error));
    }
  };

  return (
    <div class="screen">
      <Show when={props.canTrade}>
        <NewBacktest
          onQueued={async (run) => {
            setCompareId(null);
            setOpenId(run.id);
            await reload();
          }}
        />
      </Show>
      <Show when={openId()}>
        {(id) => (
          <div class={compareId() ? "bt-results bt-compare" : "bt-results"} data-testid="bt-results">
            <RunView id={id()} live={props.live} onSettled={() => void reload()} />
            <Show when={compareId()}>
              {(other) => <RunView id={other()} live={props.live} onSettled={() => void reload()} />}
            </Show>
          </div>
        )}
      </Show>
      <section class="panel" aria-labelledby="bt-runs-title">
        <h2 id="bt-runs-title">{t("bt.runs")}</h2>
        <Show when={errorMessage(runs())}>{(message) => <p class="message message--error">{message()}</p>}</Show>
        <ErrorAlert text={listError()} />
        <DataTable
          label={t("bt.runs")}
          focusable={false}
          columns={[
            { title: t("bt.kind") },
            { title: t("bt.symbol") },
            { title: t("bt.progress") },
            { title: t("bt.netPnl"), class: "num" },
            { title: "" },
          ]}
          rows={readyValue(runs()) ?? []}
          empty={t("bt.noRuns")}
        >
          {(run) => (
            <tr data-run={run.id} aria-current={openId() === run.id ? "true" : undefined}>
              <td>
                {run.request.kind}
                <div class="muted small">{new Date(run.createdAt).toLocaleString()}</div>
              </td>
              <td>{run.request.source.type === "history" ? run.request.source.symbol : (run.request.symbol ?? "")}</td>
              <td>{t(`bt.status.${run.status}` as MessageKey)}</td>
              <td class={`num ${run.summary ? pnlClass(run.summary.netPnl) : ""}`}>
                {run.summary ? formatDecimal(run.summary.netPnl) : ""}
              </td>
              <td class="row-actions">
                <button
                  type="button"
                  class="button button--ghost button--small"
                  onClick={() => {
                    setCompareId(null);
                    setOpenId(run.id);
                  }}
                >
                  {t("bt.open")}
                </button>
                <Show when={openId() && openId() !== run.id && run.status === "done"}>
                  <button type="button" class="button button--ghost button--small" onClick={() => setCompareId(run.id)}>
                    {t("bt.compare")}
                  </button>
                </Show>
                <Show when={props.canTrade}>
                  <button type="button" class="button button--ghost button--small" onClick={() => void remove(run.id)}>
                    {t("bt.delete")}
                  </button>
                </Show>
              </td>
            </tr>
          )}
        </DataTable>
        <Show when={compareId()}>
          <button type="button" class="button button--ghost button--small" onClick={() => setCompareId(null)}>
            {t("bt.closeCompare")}
          </button>
        </Show>
      </section>
    </div>
  );
}

/** The form: kind and its parameters (from `GET /api/strategies/kinds`), data, costs and sizing. */
export function NewBacktest(props: { onQueued: (run: BacktestRun) => void | Promise<void> }) {
  const strategy = createKindInput();
  const data = createSourceInput<SourceType>("sample");
  const costs = createCostInput();
  const [csv, setCsv] = createSignal("");
  const [fillAt, setFillAt] = createSignal<"next-open" | "close">("next-open");
  const [cash, setCash] = createSignal("");
  const { busy, status, setStatus, run: send } = createSubmit();

  const request = (): BacktestRequest | null => {
    const info = strategy.chosenKind();
    if (!info) return null;
    const source: BacktestRequest["source"] =
      data.source() === "history"
        ? data.history()
        : data.source() === "csv"
          ? { type: "csv", csv: csv() }
          : { type: "sample" };
    return {
      kind: info.kind,
      params: paramValues(strategy.fields(), strategy.text()),
      source,
      ...costs.request(),
      ...(cash().trim() ? { cash: cash().trim() } : {}),
      fillAt: fillAt(),
    };
  };

  const readFile = async (file: File | undefined) => {
    if (!file) return;
    const content = await file.text();
    if (content.length > CSV_MAX_CHARS) {
      setStatus({ ok: false, text: t("bt.csvTooBig", { size: content.length, max: CSV_MAX_CHARS }) });
      return;
    }
    setStatus(null);
    setCsv(content);
  };

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const body = request();
    if (!body) return;
    await send(() => runBacktest(body), t("bt.started"), props.onQueued);
  };

  return (
    <section class="panel" aria-labelledby="bt-new-title">
      <h2 id="bt-new-title">{t("bt.new")}</h2>
      <Show when={errorMessage(strategy.kinds())}>
        {(message) => <p class="message message--error">{message()}</p>}
      </Show>
      <form class="ticket" aria-label={t("bt.new")} onSubmit={submit} novalidate>
        <KindField label={t("bt.kind")} input={strategy} />
        <Show when={strategy.chosenKind()}>{(info) => <p class="muted small">{info().description}</p>}</Show>
        <ParamInputs input={strategy} numeric />
        <SourceFields
          input={data}
          sources={["sample", "history", "csv"] as const}
          fromNote={<small class="muted">2026-11-01T00:00:00Z</small>}
        >
          <Show when={data.source() === "csv"}>
            <label class="field">
              <span>{t("bt.csv", { max: CSV_MAX_CHARS })}</span>
              <input
                type="file"
                name="csv-file"
                accept=".csv,text/csv"
                onChange={(e) => void readFile(e.currentTarget.files?.[0])}
              />
              <textarea name="csv" rows="4" value={csv()} onInput={(e) => setCsv(e.currentTarget.value)} />
            </label>
          </Show>
        </SourceFields>
        <CostFields input={costs} />
        <TextField label={t("bt.cash")} name="cash" inputmode="decimal" value={cash()} onValue={setCash} />
        <SelectField
          label={t("bt.fillAt")}
          name="fillAt"
          choices={(["next-open", "close"] as const).map((value) => ({ value, label: t(`bt.fillAt.${value}`) }))}
          selected={fillAt()}
          onValue={(value) => setFillAt(value as "next-open" | "close")}
        />
        <FormActions submit={t("bt.run")} disabled={busy() || !strategy.chosenKind()} />
      </form>
      <StatusMessage status={status()} />
    </section>
  );
}

/** One run: progress from /ws while it runs, then its result (re-fetched once it settles). */
function RunView(props: { id: string; live: LiveConnection; onSettled: () => void }) {
  const watch = watchRun(props, getBacktest);
  return (
    <RunPanel
      id={props.id}
      watch={watch}
      label={t("bt.result")}
      testid="bt"
      heading={
        <>
          {t("bt.result")} <Show when={watch.run()}>{(r) => <span class="muted small">{r().request.kind}</span>}</Show>
        </>
      }
    >
      {(result) => (
        <>
          <Summary summary={result().summary} />
          <BacktestEquity result={result()} />
          <Show when={result().candles.length > 0} fallback={<p class="muted small">{t("bt.noCandles")}</p>}>
            <BacktestCandles result={result()} />
          </Show>
          <div class="bt-trips">
            <RoundTrips trips={result().roundTrips} />
          </div>
        </>
      )}
    </RunPanel>
  );
}

function Summary(props: { summary: BacktestSummary }) {
  const ratio = (value: number | null, suffix = "") => (value === null ? t("bt.na") : `${value}${suffix}`);
  const s = () => props.summary;
  return (
    <dl class="facts" data-testid="bt-summary">
      <dt>{t("bt.netPnl")}</dt>
      <dd class={pnlClass(s().netPnl)} data-metric="netPnl">
        {formatDecimal(s().netPnl)}
      </dd>
      <dt>{t("bt.return")}</dt>
      <dd>{s().returnPct}%</dd>
      <dt>{t("bt.buyHold")}</dt>
      <dd>{ratio(s().buyAndHoldPct, "%")}</dd>
      <dt>{t("bt.maxDrawdown")}</dt>
      <dd>{s().maxDrawdownPct.toFixed(2)}%</dd>
      <dt>{t("bt.sharpe")}</dt>
      <dd>{ratio(s().sharpe)}</dd>
      <dt>{t("bt.sortino")}</dt>
      <dd>{ratio(s().sortino)}</dd>
      <dt>{t("bt.calmar")}</dt>
      <dd>{ratio(s().calmar)}</dd>
      <dt>{t("bt.cagr")}</dt>
      <dd>{ratio(s().cagrPct, "%")}</dd>
      <dt>{t("bt.exposure")}</dt>
      <dd>{s().exposurePct}%</dd>
      <dt>{t("bt.trips")}</dt>
      <dd data-metric="roundTrips">{s().roundTrips}</dd>
      <dt>{t("bt.winRate")}</dt>
      <dd>{(s().winRate * 100).toFixed(1)}%</dd>
      <dt>{t("bt.fees")}</dt>
      <dd>{formatDecimal(s().fees)}</dd>
      <dt>{t("bt.orders")}</dt>
      <dd>
        {s().orders} ({s().rejected})
      </dd>
    </dl>
  );
}

function RoundTrips(props: { trips: NonNullable<BacktestRun["result"]>["roundTrips"] }) {
  return (
    <DataTable
      label={t("bt.trips")}
      columns={[
        { title: t("bt.trip.side") },
        { title: t("bt.trip.entry") },
        { title: t("bt.trip.exit") },
        { title: t("bt.trip.qty"), class: "num" },
        { title: t("bt.trip.pnl"), class: "num" },
      ]}
      rows={props.trips}
      empty={t("bt.noRuns")}
    >
      {(trip) => (
        <tr data-testid="bt-trip">
          <td>{trip.side}</td>
          <td>
            {formatDecimal(trip.entryPrice)}
            <div class="muted small">{formatNanosTime(trip.entryTs)}</div>
          </td>
          <td>
            {trip.exitPrice === null ? t("bt.trip.open") : formatDecimal(trip.exitPrice)}
            <Show when={trip.exitTs}>{(ts) => <div class="muted small">{formatNanosTime(ts())}</div>}</Show>
          </td>
          <td class="num">{formatDecimal(trip.quantity)}</td>
          <td class={`num ${pnlClass(trip.pnl)}`}>
            {formatDecimal(trip.pnl)} ({trip.returnPct}%)
          </td>
        </tr>
      )}
    </DataTable>
  );
}
