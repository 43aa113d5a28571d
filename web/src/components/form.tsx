import { For, type JSX, Show } from "solid-js";
import { t } from "../lib/i18n.ts";

/** A labelled text input; `onValue` gets the text as typed on every keystroke. */
export function TextField(props: {
  label: JSX.Element;
  value: string;
  onValue: (value: string) => void;
  name?: string;
  type?: "text" | "password";
  inputmode?: "decimal" | "numeric";
  autocomplete?: string;
  required?: boolean;
  /** Below the input, e.g. what the value means. */
  note?: JSX.Element;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        type={props.type}
        inputmode={props.inputmode}
        autocomplete={props.autocomplete}
        required={props.required}
        value={props.value}
        onInput={(event) => props.onValue(event.currentTarget.value)}
      />
      {props.note}
    </label>
  );
}

/** One choice of a select: what is sent and what is shown. */
export interface Choice {
  value: string;
  label: string;
}

/** A labelled select; the option whose value is `selected` is shown chosen. */
export function SelectField(props: {
  label: JSX.Element;
  name: string;
  choices: readonly Choice[];
  selected: string;
  onValue: (value: string) => void;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <select name={props.name} onChange={(event) => props.onValue(event.currentTarget.value)}>
        <For each={props.choices}>
          {(choice) => (
            <option value={choice.value} selected={choice.value === props.selected}>
              {choice.label}
            </option>
          )}
        </For>
      </select>
    </label>
  );
}

/**
 * The foot of every confirm or edit form: "Back" (when given) closes it, the submit button does it.
 * `tone` colours the submit button (`button--primary`, `--sell`, `--danger`).
 */
export function FormActions(props: {
  submit: JSX.Element;
  /** Draws a Back button before the submit; a form with no step to go back to leaves it out. */
  onBack?: () => void;
  tone?: "primary" | "sell" | "danger";
  disabled?: boolean;
}) {
  return (
    <div class="confirm__actions">
      <Show when={props.onBack}>
        <button type="button" class="button button--ghost" onClick={() => props.onBack?.()}>
          {t("common.back")}
        </button>
      </Show>
      <button type="submit" class={`button button--${props.tone ?? "primary"}`} disabled={props.disabled}>
        {props.submit}
      </button>
    </div>
  );
}
