import type { EquitySnapshot } from "@jts/contracts";
import { type IChartApi, LineSeries, type UTCTimestamp } from "lightweight-charts";
import { createEffect, onCleanup, onMount } from "solid-js";
import { createThemedChart } from "../lib/chart.ts";
import { chartNumber } from "../lib/decimal.ts";

/** Equity over time for one account and currency (floats only to draw). */
export function EquityChart(props: { points: EquitySnapshot[]; label: string }) {
  let container: HTMLDivElement | undefined;
  let chart: IChartApi | undefined;
  onMount(() => {
    if (!container) return;
    chart = createThemedChart(container);
    const line = chart.addSeries(LineSeries, { color: "#4c9dff", lineWidth: 2 });
    createEffect(() => {
      const seen = new Map<number, number>();
      for (const point of props.points) {
        seen.set(Number(BigInt(point.ts) / 1_000_000_000n), chartNumber(point.equity));
      }
      line.setData(
        [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time: time as UTCTimestamp, value })),
      );
      chart?.timeScale().fitContent();
    });
  });
  onCleanup(() => chart?.remove());
  return <div class="chart chart--small" ref={container} role="img" aria-label={props.label} />;
}
