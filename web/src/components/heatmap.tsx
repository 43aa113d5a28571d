import type { OptimizationHeatmap } from "@jts/contracts";
import { For, Show } from "solid-js";

const CELL_W = 56;
const CELL_H = 28;
const LEFT = 64;
const TOP = 24;

/** 0 (worst) .. 1 (best) for a score; lower is better for a drawdown objective. */
const shareOf = (score: number, range: [number, number], lowerIsBetter: boolean) => {
  const [low, high] = range;
  const share = high === low ? 1 : (score - low) / (high - low);
  return lowerIsBetter ? 1 - share : share;
};

const formatScore = (score: number) =>
  Math.abs(score) >= 1000 ? score.toExponential(1) : String(Number(score.toFixed(2)));

/**
 * Two parameters' scores as an SVG grid: one blue scale (light worst, dark best),
 * so it reads the same whichever price colors the trader chose; an empty cell
 * (no combination, or no score) is hatched grey. Each cell says its values on hover.
 */
export function Heatmap(props: { map: OptimizationHeatmap; label: string; lowerIsBetter: boolean }) {
  const width = () => LEFT + props.map.xValues.length * CELL_W;
  const height = () => TOP + props.map.yValues.length * CELL_H + 18;
  return (
    <figure class="heatmap">
      <svg
        role="img"
        aria-label={props.label}
        data-testid="opt-heatmap"
        viewBox={`0 0 ${width()} ${height()}`}
        width={width()}
        height={height()}
      >
        <For each={props.map.xValues}>
          {(x, i) => (
            <text x={LEFT + i() * CELL_W + CELL_W / 2} y={TOP - 8} text-anchor="middle" class="heatmap__axis">
              {String(x)}
            </text>
          )}
        </For>
        <For each={props.map.yValues}>
          {(y, j) => (
            <>
              <text x={LEFT - 6} y={TOP + j() * CELL_H + CELL_H / 2 + 4} text-anchor="end" class="heatmap__axis">
                {String(y)}
              </text>
              <For each={props.map.xValues}>
                {(x, i) => {
                  const score = () => props.map.cells[j()]?.[i()] ?? null;
                  const share = () => {
                    const s = score();
                    return s === null || !props.map.range ? null : shareOf(s, props.map.range, props.lowerIsBetter);
                  };
                  return (
                    <g data-x={String(x)} data-y={String(y)} data-score={score() ?? ""}>
                      <rect
                        x={LEFT + i() * CELL_W}
                        y={TOP + j() * CELL_H}
                        width={CELL_W - 2}
                        height={CELL_H - 2}
                        rx="3"
                        fill={
                          share() === null ? "var(--heatmap-empty, #8884)" : `hsl(212 70% ${88 - (share() ?? 0) * 55}%)`
                        }
                      >
                        <title>
                          {props.map.x} {String(x)}, {props.map.y} {String(y)}: {score() ?? "n/a"}
                        </title>
                      </rect>
                      <Show when={score() !== null}>
                        <text
                          x={LEFT + i() * CELL_W + CELL_W / 2 - 1}
                          y={TOP + j() * CELL_H + CELL_H / 2 + 3}
                          text-anchor="middle"
                          class="heatmap__value"
                          fill={(share() ?? 0) > 0.55 ? "#fff" : "#111"}
                        >
                          {formatScore(score() as number)}
                        </text>
                      </Show>
                    </g>
                  );
                }}
              </For>
            </>
          )}
        </For>
        <text x={LEFT} y={height() - 4} class="heatmap__axis">
          {props.map.x} →
        </text>
        <text x={4} y={TOP - 8} class="heatmap__axis">
          {props.map.y} ↓
        </text>
      </svg>
    </figure>
  );
}
