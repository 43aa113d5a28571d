/**
 * Which colour a rise and a fall take. KRX brokers' HTS and Upbit show a rise
 * red and a fall blue; most other venues and tools show a rise green and a
 * fall red. A setting (localStorage); without one, KRX's for a trader reading
 * Korean, green/red otherwise. CSS reads `--up`/`--down` (html[data-updown]),
 * the charts read upDownColors().
 */
import { createRoot, createSignal } from "solid-js";
import { language } from "./i18n.ts";

export type UpDownStyle = "krx" | "global";

const KEY = "jts.updown";

export const UP_DOWN_COLORS: Record<UpDownStyle, { up: string; down: string }> = {
  krx: { up: "#f0505a", down: "#4a8cff" },
  global: { up: "#2ecc71", down: "#ff5c5c" },
};

const stored = (): UpDownStyle | null => {
  const value = localStorage.getItem(KEY);
  return value === "krx" || value === "global" ? value : null;
};

const [upDownStyle, setStyleSignal] = createRoot(() =>
  createSignal<UpDownStyle>(stored() ?? (language() === "ko" ? "krx" : "global")),
);

export { upDownStyle };

const apply = (style: UpDownStyle) => {
  document.documentElement.dataset.updown = style;
};
apply(upDownStyle());

export function setUpDownStyle(style: UpDownStyle): void {
  localStorage.setItem(KEY, style);
  setStyleSignal(style);
  apply(style);
}

/** The current rise and fall colours, for canvases that cannot read CSS variables. */
export const upDownColors = () => UP_DOWN_COLORS[upDownStyle()];

/** `#rrggbb` at `alpha`, for the volume bars under the candles. */
export function withAlpha(hex: string, alpha: number): string {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
