import { Show } from "solid-js";

/** What an action answered: `ok` is announced politely, a failure as an alert. */
export interface StatusText {
  ok: boolean;
  text: string;
}

/** An error the user must see now (role=alert); nothing while `text` is empty. */
export function ErrorAlert(props: { text: string | null | undefined }) {
  return (
    <Show when={props.text}>
      {(text) => (
        <p class="message message--error" role="alert">
          {text()}
        </p>
      )}
    </Show>
  );
}

/** The outcome of a save or create: a status when it worked, an alert when not. */
export function StatusMessage(props: { status: StatusText | null }) {
  return (
    <Show when={props.status}>
      {(s) => (
        <p class={s().ok ? "message" : "message message--error"} role={s().ok ? "status" : "alert"}>
          {s().text}
        </p>
      )}
    </Show>
  );
}
