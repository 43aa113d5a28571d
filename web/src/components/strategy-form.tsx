import type { BacktestRequest, CandleInterval, StrategyKind } from "@jts/contracts";
import { createMemo, createSignal, For, type JSX, Show } from "solid-js";
import { getStrategyKinds } from "../lib/api.ts";
import { t } from "../lib/i18n.ts";
import { createLoadable, readyValue } from "../lib/loadable.ts";
import { paramFields } from "../lib/param-schema.ts";
import { SelectField, TextField } from "./form.tsx";

/**
 * The form sections the Strategies, Backtests and Optimize screens share: a
 * strategy kind and its parameter inputs (from `GET /api/strategies/kinds`),
 * the data a run replays, and its costs and sizing. Each section is a state
 * (create…) the screen reads when it builds its request, and a component that
 * draws it.
 */

/** The chosen kind (the first until the user picks) and its parameters as typed. */
export function createKindInput() {
  const [kinds] = createLoadable(getStrategyKinds);
  const [kind, setKind] = createSignal<StrategyKind | "">("");
  const [text, setText] = createSignal<Record<string, string>>({});
  const chosenKind = createMemo(() => {
    const list = readyValue(kinds()) ?? [];
    return list.find((k) => k.kind === kind()) ?? list[0] ?? null;
  });
  const fields = createMemo(() => paramFields(chosenKind()?.params));
  return { kinds, chosenKind, fields, text, setText, setKind };
}
export type KindInput = ReturnType<typeof createKindInput>;

/** The kind's select; picking another kind clears the parameters typed for the last one. */
export function KindField(props: { label: string; input: KindInput }) {
  return (
    <SelectField
      label={props.label}
      name="kind"
      choices={(readyValue(props.input.kinds()) ?? []).map((info) => ({ value: info.kind, label: info.kind }))}
      selected={props.input.chosenKind()?.kind ?? ""}
      onValue={(value) => {
        props.input.setKind(value as StrategyKind);
        props.input.setText({});
      }}
    />
  );
}

/**
 * One input per parameter of the kind, named `param-<name>`, labelled with its
 * name and hint. `numeric` brings up a number keyboard (off where a span such
 * as 5:20:5 is typed); `checkboxes` draws a boolean as a checkbox; `described`
 * puts the parameter's description under its input.
 */
export function ParamInputs(props: { input: KindInput; numeric: boolean; checkboxes?: boolean; described?: boolean }) {
  const set = (name: string, value: string) => props.input.setText({ ...props.input.text(), [name]: value });
  return (
    <For each={props.input.fields()}>
      {(field) => (
        <Show
          when={!props.checkboxes || field.type !== "boolean"}
          fallback={
            <label class="check">
              <input
                type="checkbox"
                name={`param-${field.name}`}
                checked={props.input.text()[field.name] === "true"}
                onChange={(event) => set(field.name, String(event.currentTarget.checked))}
              />
              <span>{field.description ?? field.name}</span>
            </label>
          }
        >
          <TextField
            label={
              <>
                {field.name}
                <Show when={field.hint}>{(hint) => <span class="muted small"> ({hint()})</span>}</Show>
              </>
            }
            name={`param-${field.name}`}
            inputmode={props.numeric ? (field.type === "integer" ? "numeric" : "decimal") : undefined}
            autocomplete="off"
            value={props.input.text()[field.name] ?? ""}
            onValue={(value) => set(field.name, value)}
            note={
              props.described ? (
                <Show when={field.description}>{(description) => <small class="muted">{description()}</small>}</Show>
              ) : undefined
            }
          />
        </Show>
      )}
    </For>
  );
}

type SourceType = BacktestRequest["source"]["type"];
type HistorySource = Extract<BacktestRequest["source"], { type: "history" }>;

/** Where a run's events come from: the sample, or stored history (symbol, interval, from, to). */
export function createSourceInput<S extends SourceType>(first: S) {
  const [source, setSource] = createSignal<S>(first);
  const [symbol, setSymbol] = createSignal("BTC-KRW");
  const [interval, setInterval] = createSignal<CandleInterval>("1m");
  const [from, setFrom] = createSignal("");
  const [to, setTo] = createSignal("");
  const history = (): HistorySource => ({
    type: "history",
    symbol: symbol().trim(),
    interval: interval(),
    from: iso(from()),
    to: iso(to()),
  });
  return { source, setSource, symbol, setSymbol, interval, setInterval, from, setFrom, to, setTo, history };
}

/** The source select and, for history, its fields; `children` follow (e.g. the CSV input). */
export function SourceFields<S extends SourceType>(props: {
  input: ReturnType<typeof createSourceInput<S>>;
  sources: readonly S[];
  /** Under the `from` input, e.g. an example time. */
  fromNote?: JSX.Element;
  children?: JSX.Element;
}) {
  const input = () => props.input;
  return (
    <>
      <SelectField
        label={t("bt.source")}
        name="source"
        choices={props.sources.map((value) => ({ value, label: t(`bt.source.${value}`) }))}
        selected={input().source()}
        onValue={(value) => input().setSource(() => value as S)}
      />
      <Show when={input().source() === "history"}>
        <TextField label={t("bt.symbol")} name="symbol" value={input().symbol()} onValue={input().setSymbol} />
        <SelectField
          label={t("bt.interval")}
          name="interval"
          choices={(["1m", "5m", "1h", "1d"] as const).map((value) => ({ value, label: value }))}
          selected={input().interval()}
          onValue={(value) => input().setInterval(value as CandleInterval)}
        />
        <TextField
          label={t("bt.from")}
          name="from"
          value={input().from()}
          onValue={input().setFrom}
          note={props.fromNote}
        />
        <TextField label={t("bt.to")} name="to" value={input().to()} onValue={input().setTo} />
      </Show>
      {props.children}
    </>
  );
}

/** An ISO time typed without a zone is read as UTC, as the CLI's --from does with a Z. */
export const iso = (value: string) => {
  const trimmed = value.trim();
  return /[zZ]|[+-]\d\d:?\d\d$/.test(trimmed) || trimmed === "" ? trimmed : `${trimmed}Z`;
};

/** Fee and sizing as typed; `request()` holds only those given (the runner's defaults stand for the rest). */
export function createCostInput() {
  const [fee, setFee] = createSignal("");
  const [sizing, setSizing] = createSignal("");
  const request = (): { fee?: string; sizing?: string } => ({
    ...(fee().trim() ? { fee: fee().trim() } : {}),
    ...(sizing().trim() ? { sizing: sizing().trim() } : {}),
  });
  return { fee, setFee, sizing, setSizing, request };
}

export function CostFields(props: { input: ReturnType<typeof createCostInput> }) {
  return (
    <>
      <TextField
        label={t("bt.fee")}
        name="fee"
        inputmode="decimal"
        value={props.input.fee()}
        onValue={props.input.setFee}
      />
      <TextField label={t("bt.sizing")} name="sizing" value={props.input.sizing()} onValue={props.input.setSizing} />
    </>
  );
}
