import { For } from "solid-js";
import { LANGUAGES, type Language, language, setLanguage, t } from "../lib/i18n.ts";
import { setUpDownStyle, type UpDownStyle, upDownStyle } from "../lib/price-colors.ts";

const STYLES: UpDownStyle[] = ["krx", "global"];

/** Language and rise/fall colours, kept in this browser; in the top bar, signed in or not. */
export function PrefsMenu() {
  return (
    <details class="prefs">
      <summary class="button button--ghost button--small" aria-label={t("settings.title")}>
        <span aria-hidden="true">⚙</span>
        <span class="hide-narrow"> {LANGUAGES[language()]["lang.name"]}</span>
      </summary>
      <div class="prefs__panel panel">
        <label class="field">
          <span>{t("settings.language")}</span>
          <select name="language" onChange={(e) => setLanguage(e.currentTarget.value as Language)}>
            <For each={Object.keys(LANGUAGES) as Language[]}>
              {(code) => (
                <option value={code} selected={language() === code}>
                  {LANGUAGES[code]["lang.name"]}
                </option>
              )}
            </For>
          </select>
        </label>
        <label class="field">
          <span>{t("settings.colors")}</span>
          <select name="updown" onChange={(e) => setUpDownStyle(e.currentTarget.value as UpDownStyle)}>
            <For each={STYLES}>
              {(style) => (
                <option value={style} selected={upDownStyle() === style}>
                  {t(style === "krx" ? "settings.colors.krx" : "settings.colors.global")}
                </option>
              )}
            </For>
          </select>
        </label>
      </div>
    </details>
  );
}
