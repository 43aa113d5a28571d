import type { BacktestResult, CandleInterval } from "@jts/contracts";
import {
  CandlestickSeries,
  createSeriesMarkers,
  HistogramSeries,
  type IChartApi,
  LineSeries,
  type UTCTimestamp,
} from "lightweight-charts";
import { createEffect, onCleanup, onMount } from "solid-js";
import { createThemedChart } from "../lib/chart.ts";
import { barOf, fillMarks, secondsOf } from "../lib/chart-history.ts";
import { t } from "../lib/i18n.ts";
import { upDownColors } from "../lib/price-colors.ts";

const BUY = "#4da3ff";
const SELL = "#ffb347";
const INTERVALS = new Set<string>(["1m", "5m", "1h", "1d"]);

/**
 * The replayed candles with the run's fills marked on their bars (the Markets
 * chart's marker code: `fillMarks`, arrows under buys and over sells).
 * `data-fill-marks` says how many marks are drawn: the canvas cannot be read.
 */
export function BacktestCandles(props: { result: BacktestResult }) {
  let container: HTMLDivElement | undefined;
  let chart: IChartApi | undefined;
  onMount(() => {
    if (!container) return;
    chart = createThemedChart(container, { secondsVisible: false });
    const { up, down } = upDownColors();
    const series = chart.addSeries(CandlestickSeries, {
      upColor: up,
      downColor: down,
      wickUpColor: up,
      wickDownColor: down,
      borderVisible: false,
    });
    const markers = createSeriesMarkers(series, []);
    createEffect(() => {
      const { candles, fills, symbol, timeframe } = props.result;
      series.setData(candles.map(barOf).map((bar) => ({ ...bar, time: bar.time as UTCTimestamp })));
      // Merged candles (a long run) are wider than the timeframe: mark fills in the drawn bars' buckets.
      const interval = (INTERVALS.has(timeframe) ? timeframe : "1m") as CandleInterval;
      const first = candles[0] ? secondsOf(candles[0].tsOpen) : 0;
      const second = candles[1];
      const step = second ? secondsOf(second.tsOpen) - first : 0;
      const marks = fillMarks(fills, symbol, interval).map((mark) =>
        step > 0 ? { ...mark, time: first + Math.floor((mark.time - first) / step) * step } : mark,
      );
      markers.setMarkers(
        marks.map((mark) => ({
          time: mark.time as UTCTimestamp,
          position: mark.side === "BUY" ? "belowBar" : "aboveBar",
          color: mark.side === "BUY" ? BUY : SELL,
          shape: mark.side === "BUY" ? "arrowUp" : "arrowDown",
          text: mark.text,
        })),
      );
      container?.setAttribute("data-fill-marks", String(marks.length));
      chart?.timeScale().fitContent();
    });
  });
  onCleanup(() => chart?.remove());
  return (
    <div
      class="chart"
      ref={container}
      role="img"
      aria-label={t("bt.chart", { symbol: props.result.symbol })}
      data-testid="backtest-candles"
    />
  );
}

/** Equity (line) over drawdown below the running peak (histogram, in %), on the run's market time. */
export function BacktestEquity(props: { result: BacktestResult }) {
  let container: HTMLDivElement | undefined;
  let chart: IChartApi | undefined;
  onMount(() => {
    if (!container) return;
    chart = createThemedChart(container);
    const equity = chart.addSeries(LineSeries, { color: "#4c9dff", lineWidth: 2, title: t("bt.equity") });
    const drawdown = chart.addSeries(HistogramSeries, {
      color: "rgba(255, 99, 99, 0.5)",
      priceScaleId: "drawdown",
      title: t("bt.drawdown"),
    });
    chart.priceScale("drawdown").applyOptions({ scaleMargins: { top: 0.75, bottom: 0 } });
    createEffect(() => {
      // One point per second: the chart needs strictly increasing times.
      const bySecond = new Map<number, { equity: number; drawdownPct: number }>();
      for (const point of props.result.equity) bySecond.set(secondsOf(point.ts), point);
      const points = [...bySecond.entries()].sort((a, b) => a[0] - b[0]);
      equity.setData(points.map(([time, p]) => ({ time: time as UTCTimestamp, value: p.equity })));
      drawdown.setData(points.map(([time, p]) => ({ time: time as UTCTimestamp, value: -p.drawdownPct })));
      chart?.timeScale().fitContent();
    });
  });
  onCleanup(() => chart?.remove());
  return (
    <div
      class="chart chart--small"
      ref={container}
      role="img"
      aria-label={`${t("bt.equity")} · ${t("bt.drawdown")}`}
      data-testid="backtest-equity"
    />
  );
}
