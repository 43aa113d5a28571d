import { type Accessor, type JSX, Show } from "solid-js";
import { type MessageKey, t } from "../lib/i18n.ts";
import type { RunProgress, watchRun } from "../lib/run-watch.ts";
import { ErrorAlert } from "./message.tsx";

/**
 * A backtest's or optimization's panel: its status and a progress bar (with
 * the reason when it failed) until it is done, then `children` draw the result.
 * `testid` names the panel (`<testid>-run`) and its bar (`<testid>-progress`),
 * as the tests find them.
 */
export function RunPanel<Run extends RunProgress & { result?: unknown }>(props: {
  id: string;
  watch: ReturnType<typeof watchRun<Run>>;
  label: string;
  heading: JSX.Element;
  testid: "bt" | "opt";
  children: (result: Accessor<NonNullable<Run["result"]>>) => JSX.Element;
}) {
  const w = () => props.watch;
  return (
    <section
      class="panel"
      aria-label={props.label}
      data-testid={`${props.testid}-run`}
      data-run={props.id}
      data-status={w().progress()?.status ?? ""}
    >
      <h2>{props.heading}</h2>
      <ErrorAlert text={w().error()} />
      <Show when={w().progress()} fallback={<p class="muted">{t("bt.loading")}</p>}>
        {(p) => (
          <Show
            when={p().status === "done" && w().run()?.result}
            fallback={
              <div>
                <p>{t(`bt.status.${p().status}` as MessageKey)}</p>
                <progress
                  max="100"
                  value={w().share()}
                  aria-label={t("bt.progress")}
                  data-testid={`${props.testid}-progress`}
                >
                  {w().share()}%
                </progress>
                <ErrorAlert text={p().error} />
              </div>
            }
          >
            <Show when={w().run()?.result}>
              {(result) => props.children(result as Accessor<NonNullable<Run["result"]>>)}
            </Show>
          </Show>
        )}
      </Show>
    </section>
  );
}
