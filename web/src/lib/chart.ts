import { type ChartOptions, createChart, type DeepPartial, type IChartApi } from "lightweight-charts";

/**
 * A chart in the PWA's dark theme, sized by its container. `secondsVisible: false` for bars of a
 * minute or more; `priceFormatter` when the axis should group digits.
 */
export function createThemedChart(
  container: HTMLElement,
  options: { secondsVisible?: boolean; priceFormatter?: (price: number) => string } = {},
): IChartApi {
  const chartOptions: DeepPartial<ChartOptions> = {
    autoSize: true,
    layout: { background: { color: "transparent" }, textColor: "#8b95a7", attributionLogo: false },
    grid: { vertLines: { color: "#1f2733" }, horzLines: { color: "#1f2733" } },
    timeScale: {
      timeVisible: true,
      ...(options.secondsVisible === undefined ? {} : { secondsVisible: options.secondsVisible }),
      borderColor: "#263041",
    },
    rightPriceScale: { borderColor: "#263041" },
    ...(options.priceFormatter ? { localization: { priceFormatter: options.priceFormatter } } : {}),
  };
  return createChart(container, chartOptions);
}
