import {
  OPTIMIZATION_OBJECTIVES,
  type OptimizationObjective,
  type OptimizationRequest,
  type OptimizationResult,
  type OptimizationRow,
  type OptimizationRun,
  optimizationHeatmap,
  type ParamRange,
  type StrategyParams,
} from "@jts/contracts";
import { createMemo, createSignal, For, Show } from "solid-js";
import { DataTable } from "../components/data-table.tsx";
import { FormActions, SelectField, TextField } from "../components/form.tsx";
import { Heatmap } from "../components/heatmap.tsx";
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
import {
  deleteOptimization,
  getOptimization,
  getOptimizations,
  messageOf,
  runOptimizationRequest,
} from "../lib/api.ts";
import { type MessageKey, t } from "../lib/i18n.ts";
import { createLoadable, errorMessage, readyValue } from "../lib/loadable.ts";
import { bestFirstDescending, readParamText, type SortKey, sortRows } from "../lib/optimize.ts";
import { watchRun } from "../lib/run-watch.ts";
import type { LiveConnection } from "../lib/ws.ts";

/** Rows drawn in the table at once (a run keeps up to 10,000; the best after sorting are shown). */
export const TABLE_ROWS = 200;

/**
 * Parameter optimization on the same runner as `just optimize`: a form whose
 * parameter inputs take a value, a MIN:MAX:STEP span or a V1,V2 list, the
 * run's progress from /ws `backtest:<id>`, then a heatmap of two parameters and
 * every combination with in-sample beside out-of-sample, sortable by any
 * column. Viewers see runs but cannot start one.
 */
export function OptimizeScreen(props: { canTrade: boolean; live: LiveConnection }) {
  const [runs, reload] = createLoadable(getOptimizations);
  const [openId, setOpenId] = createSignal<string | null>(null);
  const [listError, setListError] = createSignal<string | null>(null);

  const remove = async (id: string) => {
    try {
      await deleteOptimization(id);
      if (openId() === id) setOpenId(null);
      await reload();
    } catch (error) {
      setListError(messageOf(error));
    }
  };

  return (
    <div class="screen">
      <Show when={props.canTrade}>
        <NewOptimization
          onQueued={async (run) => {
            setOpenId(run.id);
            await reload();
          }}
        />
      </Show>
      <Show when={openId()}>
        {(id) => <OptimizationView id={id()} live={props.live} onSettled={() => void reload()} />}
      </Show>
      <section class="panel" aria-labelledby="opt-runs-title">
        <h2 id="opt-runs-title">{t("opt.runs")}</h2>
        <Show when={errorMessage(runs())}>{(message) => <p class="message message--error">{message()}</p>}</Show>
        <ErrorAlert text={listError()} />
        <DataTable
          label={t("opt.runs")}
          focusable={false}
          columns={[
            { title: t("bt.kind") },
            { title: t("opt.combinations"), class: "num" },
            { title: t("bt.progress") },
            { title: t("opt.best") },
            { title: "" },
          ]}
          rows={readyValue(runs()) ?? []}
          empty={t("opt.noRuns")}
        >
          {(run) => (
            <tr data-run={run.id} aria-current={openId() === run.id ? "true" : undefined}>
              <td>
                {run.request.backtest.kind} · {run.request.objective}
                <div class="muted small">{new Date(run.createdAt).toLocaleString()}</div>
              </td>
              <td class="num">{run.combinations}</td>
              <td>{t(`bt.status.${run.status}` as MessageKey)}</td>
              <td class="small">
                <Show when={run.best}>
                  {(best) => (
                    <>
                      {paramsText(best().params)} <span class="muted">({best().score ?? t("bt.na")})</span>
                    </>
                  )}
                </Show>
              </td>
              <td class="row-actions">
                <button type="button" class="button button--ghost button--small" onClick={() => setOpenId(run.id)}>
                  {t("bt.open")}
                </button>
                <Show when={props.canTrade}>
                  <button type="button" class="button button--ghost button--small" onClick={() => void remove(run.id)}>
                    {t("bt.delete")}
                  </button>
                </Show>
              </td>
            </tr>
          )}
        </DataTable>
      </section>
    </div>
  );
}

const paramsText = (params: StrategyParams) =>
  Object.entries(params)
    .map(([name, value]) => `${name} ${value}`)
    .join(", ");

/** The form: kind, each parameter as a value or a range, search, objective, walk-forward, data and costs. */
export function NewOptimization(props: { onQueued: (run: OptimizationRun) => void | Promise<void> }) {
  const strategy = createKindInput();
  const data = createSourceInput<"sample" | "history">("sample");
  const costs = createCostInput();
  const [method, setMethod] = createSignal<"grid" | "random">("grid");
  const [samples, setSamples] = createSignal("100");
  const [seed, setSeed] = createSignal("1");
  const [objective, setObjective] = createSignal<OptimizationObjective>("sharpe");
  const [inSample, setInSample] = createSignal("");
  const [outOfSample, setOutOfSample] = createSignal("");
  const [step, setStep] = createSignal("");
  const { busy, status, setStatus, run: send } = createSubmit();

  /** The request, or the text of what is wrong with the form. */
  const request = (): OptimizationRequest | string | null => {
    const info = strategy.chosenKind();
    if (!info) return null;
    const params: StrategyParams = {};
    const ranges: Record<string, ParamRange> = {};
    for (const field of strategy.fields()) {
      const read = readParamText(field, strategy.text()[field.name] ?? "");
      if ("error" in read) return t("opt.badSpan", { name: read.error });
      if ("fixed" in read) params[field.name] = read.fixed;
      if ("range" in read) ranges[field.name] = read.range;
    }
    if (Object.keys(ranges).length === 0) return t("opt.noRange");
    const whole = (value: string) => (value.trim() === "" ? undefined : Number(value.trim()));
    const walk =
      inSample().trim() && outOfSample().trim()
        ? {
            inSample: whole(inSample()) as number,
            outOfSample: whole(outOfSample()) as number,
            ...(whole(step()) !== undefined ? { step: whole(step()) as number } : {}),
          }
        : undefined;
    const source: OptimizationRequest["backtest"]["source"] =
      data.source() === "history" ? data.history() : { type: "sample" };
    return {
      backtest: { kind: info.kind, params, source, ...costs.request() },
      ranges,
      method: method(),
      ...(method() === "random" ? { samples: whole(samples()) ?? 100, seed: whole(seed()) ?? 1 } : {}),
      objective: objective(),
      ...(walk ? { walkForward: walk } : {}),
    };
  };

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const body = request();
    if (body === null) return;
    if (typeof body === "string") {
      setStatus({ ok: false, text: body });
      return;
    }
    await send(() => runOptimizationRequest(body), t("opt.started"), props.onQueued);
  };

  return (
    <section class="panel" aria-labelledby="opt-new-title">
      <h2 id="opt-new-title">{t("opt.new")}</h2>
      <Show when={errorMessage(strategy.kinds())}>
        {(message) => <p class="message message--error">{message()}</p>}
      </Show>
      <form class="ticket" aria-label={t("opt.new")} onSubmit={submit} novalidate>
        <KindField label={t("bt.kind")} input={strategy} />
        <p class="muted small">{t("opt.paramsHelp")}</p>
        {/* No number keyboard: a parameter takes a span (5:20:5) or a list (5,10) too. */}
        <ParamInputs input={strategy} numeric={false} />
        <SelectField
          label={t("opt.method")}
          name="method"
          choices={(["grid", "random"] as const).map((value) => ({ value, label: t(`opt.method.${value}`) }))}
          selected={method()}
          onValue={(value) => setMethod(value as "grid" | "random")}
        />
        <Show when={method() === "random"}>
          <TextField
            label={t("opt.samples")}
            name="samples"
            inputmode="numeric"
            value={samples()}
            onValue={setSamples}
          />
          <TextField label={t("opt.seed")} name="seed" inputmode="numeric" value={seed()} onValue={setSeed} />
        </Show>
        <SelectField
          label={t("opt.objective")}
          name="objective"
          choices={OPTIMIZATION_OBJECTIVES.map((value) => ({ value, label: t(`opt.objective.${value}`) }))}
          selected={objective()}
          onValue={(value) => setObjective(value as OptimizationObjective)}
        />
        <fieldset class="field-group">
          <legend class="small">{t("opt.walkForward")}</legend>
          <TextField
            label={t("opt.inSample")}
            name="inSample"
            inputmode="numeric"
            value={inSample()}
            onValue={setInSample}
          />
          <TextField
            label={t("opt.outOfSample")}
            name="outOfSample"
            inputmode="numeric"
            value={outOfSample()}
            onValue={setOutOfSample}
          />
          <TextField label={t("opt.step")} name="step" inputmode="numeric" value={step()} onValue={setStep} />
        </fieldset>
        <SourceFields input={data} sources={["sample", "history"] as const} />
        <CostFields input={costs} />
        <FormActions submit={t("opt.run")} disabled={busy() || !strategy.chosenKind()} />
      </form>
      <StatusMessage status={status()} />
    </section>
  );
}

/** One optimization: progress from /ws while it runs, then the heatmap, the table and the windows. */
function OptimizationView(props: { id: string; live: LiveConnection; onSettled: () => void }) {
  const watch = watchRun(props, getOptimization);
  return (
    <RunPanel
      id={props.id}
      watch={watch}
      label={t("opt.result")}
      testid="opt"
      heading={
        <>
          {t("opt.result")}{" "}
          <Show when={watch.run()}>
            {(r) => (
              <span class="muted small">
                {r().request.backtest.kind} · {r().request.objective}
              </span>
            )}
          </Show>
        </>
      }
    >
      {(result) => <OptimizationResultView result={result()} run={watch.run() as OptimizationRun} />}
    </RunPanel>
  );
}

export function OptimizationResultView(props: { result: OptimizationResult; run: OptimizationRun }) {
  const objective = () => props.result.objective;
  const objectiveLabel = () => t(`opt.objective.${objective()}` as MessageKey);
  const hasOos = () => props.result.rows.some((r) => r.outOfSample !== null);
  const [x, setX] = createSignal(props.result.ranged[0] ?? "");
  const [y, setY] = createSignal(props.result.ranged[1] ?? "");
  const [sample, setSample] = createSignal<"inSample" | "outOfSample">("inSample");
  const map = createMemo(() => optimizationHeatmap(props.result, x(), y(), sample()));
  const [sortKey, setSortKey] = createSignal<SortKey>({ metric: "score" });
  const [descending, setDescending] = createSignal(bestFirstDescending({ metric: "score" }, props.result.objective));
  const sorted = createMemo(() => sortRows(props.result.rows, sortKey(), descending()));
  const sameKey = (a: SortKey, b: SortKey) => JSON.stringify(a) === JSON.stringify(b);
  const sortBy = (key: SortKey) => {
    if (sameKey(key, sortKey())) setDescending(!descending());
    else {
      setSortKey(key);
      setDescending(bestFirstDescending(key, objective()));
    }
  };
  const header = (label: string, key: SortKey) => (
    <button
      type="button"
      class="sort-button"
      aria-label={t("opt.sortBy", { column: label })}
      data-sorted={sameKey(key, sortKey()) ? (descending() ? "descending" : "ascending") : undefined}
      data-sort={"param" in key ? key.param : key.metric}
      onClick={() => sortBy(key)}
    >
      {label}
      {sameKey(key, sortKey()) ? (descending() ? " ▼" : " ▲") : ""}
    </button>
  );
  const show = (value: number | null | undefined) =>
    value === null || value === undefined ? t("bt.na") : String(value);
  const columns = () => [
    ...props.result.ranged.map((name) => ({ title: header(name, { param: name }) })),
    { title: header(t("opt.isScore", { objective: objectiveLabel() }), { metric: "score" }), class: "num" },
    ...(hasOos()
      ? [
          {
            title: header(t("opt.oosScore", { objective: objectiveLabel() }), { metric: "outOfSampleScore" }),
            class: "num",
          },
        ]
      : []),
    { title: header(t("opt.isReturn"), { metric: "isReturn" }), class: "num" },
    ...(hasOos() ? [{ title: header(t("opt.oosReturn"), { metric: "oosReturn" }), class: "num" }] : []),
    { title: header(t("opt.isDrawdown"), { metric: "isDrawdown" }), class: "num hide-narrow" },
    ...(hasOos() ? [{ title: header(t("opt.oosDrawdown"), { metric: "oosDrawdown" }), class: "num hide-narrow" }] : []),
    { title: header(t("opt.fills"), { metric: "fills" }), class: "num hide-narrow" },
  ];
  const axisChoices = () => props.result.ranged.map((name) => ({ value: name, label: name }));

  return (
    <div class="opt-result">
      <p class="muted small" data-testid="opt-facts">
        {t("opt.facts", {
          combinations: props.run.combinations,
          windows: Math.max(1, props.result.windows.length),
          runs: props.run.runs,
          workers: props.result.workers,
          seconds: (props.result.elapsedMs / 1000).toFixed(1),
        })}
      </p>
      <Show when={props.result.skipped > 0}>
        <p class="muted small">
          {t("opt.skipped", { count: props.result.skipped, reason: props.result.skippedReason ?? "" })}
        </p>
      </Show>
      <Show when={hasOos()}>
        <p class="small">{t("opt.overfit")}</p>
      </Show>
      <h3>{t("opt.heatmap")}</h3>
      <Show when={props.result.ranged.length >= 2} fallback={<p class="muted small">{t("opt.heatmapOne")}</p>}>
        <div class="opt-axes">
          <SelectField label={t("opt.axisX")} name="heatmap-x" choices={axisChoices()} selected={x()} onValue={setX} />
          <SelectField label={t("opt.axisY")} name="heatmap-y" choices={axisChoices()} selected={y()} onValue={setY} />
          <Show when={hasOos()}>
            <SelectField
              label={t("opt.sample")}
              name="heatmap-sample"
              choices={(["inSample", "outOfSample"] as const).map((value) => ({
                value,
                label: t(`opt.sample.${value}`),
              }))}
              selected={sample()}
              onValue={(value) => setSample(value as "inSample" | "outOfSample")}
            />
          </Show>
        </div>
        <div class="table-scroll">
          <Heatmap
            map={map()}
            lowerIsBetter={objective() === "maxDrawdownPct"}
            label={t("opt.heatmapOf", { objective: objectiveLabel(), x: x(), y: y() })}
          />
        </div>
      </Show>
      <h3>{t("opt.table")}</h3>
      <DataTable
        label={t("opt.table")}
        columns={columns()}
        rows={sorted().slice(0, TABLE_ROWS)}
        empty={t("opt.noRuns")}
      >
        {(row: OptimizationRow) => (
          <tr data-testid="opt-row">
            <For each={props.result.ranged}>{(name) => <td>{String(row.params[name])}</td>}</For>
            <td class="num" data-metric="score">
              {show(row.score)}
            </td>
            <Show when={hasOos()}>
              <td class="num" data-metric="outOfSampleScore">
                {show(row.outOfSampleScore)}
              </td>
            </Show>
            <td class="num">{show(row.inSample.returnPct)}</td>
            <Show when={hasOos()}>
              <td class="num">{show(row.outOfSample?.returnPct)}</td>
            </Show>
            <td class="num hide-narrow">{show(row.inSample.maxDrawdownPct)}</td>
            <Show when={hasOos()}>
              <td class="num hide-narrow">{show(row.outOfSample?.maxDrawdownPct)}</td>
            </Show>
            <td class="num hide-narrow">{row.inSample.fills}</td>
          </tr>
        )}
      </DataTable>
      <Show when={props.result.windows.length > 0}>
        <h3>{t("opt.windows")}</h3>
        <DataTable
          label={t("opt.windows")}
          columns={[
            { title: t("opt.window.bars") },
            { title: t("opt.window.pick") },
            { title: t("opt.isScore", { objective: objectiveLabel() }), class: "num" },
            { title: t("opt.oosScore", { objective: objectiveLabel() }), class: "num" },
          ]}
          rows={props.result.windows}
        >
          {(window) => (
            <tr data-testid="opt-window">
              <td>
                {window.inSample.from}–{window.inSample.to} | {window.outOfSample.from}–{window.outOfSample.to}
              </td>
              <td>{paramsText(window.best)}</td>
              <td class="num">{show(window.score)}</td>
              <td class="num">{show(window.outOfSampleScore)}</td>
            </tr>
          )}
        </DataTable>
      </Show>
    </div>
  );
}
