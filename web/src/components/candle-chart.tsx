import { type Candle, type CandleInterval, WsChannels } from "@jts/contracts";
import {
  type CandlestickData,
  CandlestickSeries,
  type HistogramData,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from "lightweight-charts";
import { createEffect, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { getCandles, messageOf } from "../lib/api.ts";
import { recall, remember } from "../lib/cache.ts";
import { createThemedChart } from "../lib/chart.ts";
import { chartNumber } from "../lib/decimal.ts";
import type { LiveConnection } from "../lib/ws.ts";

export const INTERVALS: CandleInterval[] = ["1m", "5m", "1h", "1d"];
const INTERVAL_SECONDS: Record<CandleInterval, number> = { "1m": 60, "5m": 300, "1h": 3600, "1d": 86400 };
const HISTORY = 300;

const GAIN = "#2ecc71";
const LOSS = "#ff5c5c";

/** Seconds since epoch, what the chart's time axis takes, from a ns digit string. */
const seconds = (ns: string) => Number(BigInt(ns) / 1_000_000_000n) as UTCTimestamp;

interface Bar {
  time: UTCTimestamp;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const barOf = (candle: Candle): Bar => ({
  time: seconds(candle.tsOpen),
  open: chartNumber(candle.open),
  high: chartNumber(candle.high),
  low: chartNumber(candle.low),
  close: chartNumber(candle.close),
  volume: chartNumber(candle.volume),
});

const volumeOf = (bar: Bar): HistogramData => ({
  time: bar.time,
  value: bar.volume,
  color: bar.close >= bar.open ? "rgba(46, 204, 113, 0.4)" : "rgba(255, 92, 92, 0.4)",
});

/**
 * Candles with volume: history from /api/candles, then live. The gateway
 * streams 1m candles; for longer intervals the last bar is advanced from the
 * trade prints, and a new bar starts when a print falls in the next bucket.
 * Prices become floats here only to be drawn.
 */
export function CandleChart(props: { symbol: string; live: LiveConnection }) {
  const [interval, chooseInterval] = createSignal<CandleInterval>("1m");
  const [error, setError] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(true);
  let container: HTMLDivElement | undefined;
  let chart: IChartApi | undefined;
  let candles: ISeriesApi<"Candlestick"> | undefined;
  let volume: ISeriesApi<"Histogram"> | undefined;
  let last: Bar | null = null;

  const draw = (bar: Bar) => {
    if (!candles || !volume) return;
    if (last && bar.time < last.time) return; // the chart refuses to go back in time
    last = bar;
    candles.update(bar satisfies CandlestickData);
    volume.update(volumeOf(bar));
  };

  onMount(() => {
    if (!container) return;
    chart = createThemedChart(container, {
      secondsVisible: false,
      priceFormatter: (price: number) => price.toLocaleString(),
    });
    candles = chart.addSeries(CandlestickSeries, {
      upColor: GAIN,
      downColor: LOSS,
      borderVisible: false,
      wickUpColor: GAIN,
      wickDownColor: LOSS,
    });
    volume = chart.addSeries(HistogramSeries, { priceScaleId: "volume", priceFormat: { type: "volume" } });
    chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  });
  onCleanup(() => chart?.remove());

  const show = (list: Candle[]) => {
    const bars = list.map(barOf).sort((a, b) => a.time - b.time);
    candles?.setData(bars);
    volume?.setData(bars.map(volumeOf));
    last = bars.at(-1) ?? null;
    chart?.timeScale().scrollToRealTime();
  };

  // History for the symbol and interval; refetched after missed events.
  createEffect(
    on([() => props.symbol, interval, props.live.epoch], async ([symbol, every]) => {
      if (!symbol) return; // instruments not loaded yet
      const key = `candles.${symbol}.${every}`;
      setLoading(true);
      try {
        const list = await getCandles(symbol, every, HISTORY);
        if (symbol !== props.symbol || every !== interval()) return;
        show(list);
        remember(key, list);
        setError(null);
      } catch (caught) {
        const remembered = recall<Candle[]>(key);
        if (remembered) show(remembered.data);
        setError(messageOf(caught, "Could not load candles"));
      } finally {
        setLoading(false);
      }
    }),
  );

  // Live: the 1m candle stream for 1m, trade prints for the longer intervals.
  createEffect(
    on([() => props.symbol, interval], ([symbol, every]) => {
      if (!symbol) return; // `candles::1m` is no channel: the gateway would refuse the whole subscribe
      const off =
        every === "1m"
          ? props.live.subscribe(WsChannels.candles(symbol, "1m"), (candle) => draw(barOf(candle)))
          : props.live.subscribe(WsChannels.ticker(symbol), (tick) => {
              const price = chartNumber(tick.price);
              const size = chartNumber(tick.quantity);
              const bucket = INTERVAL_SECONDS[every];
              const time = (Math.floor(seconds(tick.tsEvent) / bucket) * bucket) as UTCTimestamp;
              if (last && last.time === time) {
                draw({
                  ...last,
                  high: Math.max(last.high, price),
                  low: Math.min(last.low, price),
                  close: price,
                  volume: last.volume + size,
                });
              } else {
                draw({ time, open: price, high: price, low: price, close: price, volume: size });
              }
            });
      onCleanup(off);
    }),
  );

  return (
    <section class="panel chart-panel" aria-labelledby="chart-title">
      <div class="panel__head">
        <h2 id="chart-title">{props.symbol || "Chart"}</h2>
        <fieldset class="segmented" aria-label="Candle interval">
          <For each={INTERVALS}>
            {(value) => (
              <button
                type="button"
                class="segmented__option"
                aria-pressed={interval() === value}
                onClick={() => chooseInterval(value)}
              >
                {value}
              </button>
            )}
          </For>
        </fieldset>
      </div>
      <Show when={error()}>{(message) => <p class="message message--error">Candles: {message()}</p>}</Show>
      <div
        class="chart"
        ref={container}
        role="img"
        aria-label={`${props.symbol} ${interval()} candles with volume${loading() ? ", loading" : ""}`}
        data-testid="chart"
      />
    </section>
  );
}
