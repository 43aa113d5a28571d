import { type Candle, type CandleInterval, type Fill, type Order, WsChannels } from "@jts/contracts";
import {
  type CandlestickData,
  CandlestickSeries,
  createSeriesMarkers,
  type HistogramData,
  HistogramSeries,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  LineStyle,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { createEffect, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { getCandles, messageOf } from "../lib/api.ts";
import { recall, remember } from "../lib/cache.ts";
import { createThemedChart } from "../lib/chart.ts";
import {
  type Bar,
  barOf,
  fillMarks,
  INTERVAL_SECONDS,
  isLastPage,
  orderLines,
  PAGE_SIZE,
  pageEndBefore,
  prependPage,
  secondsOf,
  wantsOlder,
  withLiveBar,
} from "../lib/chart-history.ts";
import { chartNumber } from "../lib/decimal.ts";
import { t } from "../lib/i18n.ts";
import { upDownColors, withAlpha } from "../lib/price-colors.ts";
import type { LiveConnection } from "../lib/ws.ts";

export const INTERVALS: CandleInterval[] = ["1m", "5m", "1h", "1d"];

const BUY = "#4da3ff";
const SELL = "#ffb347";

const candleOf = (bar: Bar): CandlestickData => ({ ...bar, time: bar.time as UTCTimestamp });
const volumeOf = (bar: Bar): HistogramData => {
  const { up, down } = upDownColors();
  return {
    time: bar.time as UTCTimestamp,
    value: bar.volume,
    color: withAlpha(bar.close >= bar.open ? up : down, 0.4),
  };
};

/**
 * Candles with volume: history from /api/candles, then live. The gateway
 * streams 1m candles; for longer intervals the last bar is advanced from the
 * trade prints, and a new bar starts when a print falls in the next bucket.
 * Scrolling back near the oldest bar loads the page before it (`to` one ns
 * before that bar's open), until a short page says the stored history starts
 * there. The trader's fills are arrows on their bars, open orders dashed lines
 * at their price. Prices become floats here only to be drawn.
 */
export function CandleChart(props: {
  symbol: string;
  live: LiveConnection;
  fills?: readonly Fill[];
  openOrders?: readonly Order[];
}) {
  const [interval, chooseInterval] = createSignal<CandleInterval>("1m");
  const [error, setError] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(true);
  /** Pages loaded by scrolling back since the last full load (for the e2e test and screen readers). */
  const [pagesBack, setPagesBack] = createSignal(0);
  /** How many fill marks and order lines are drawn: the canvas cannot be read, these can. */
  const [drawn, setDrawn] = createSignal({ marks: 0, lines: 0 });
  let container: HTMLDivElement | undefined;
  let chart: IChartApi | undefined;
  let candles: ISeriesApi<"Candlestick"> | undefined;
  let volume: ISeriesApi<"Histogram"> | undefined;
  let markers: ISeriesMarkersPluginApi<Time> | undefined;
  let lines: IPriceLine[] = [];
  /** Every bar drawn for the symbol and interval shown, oldest first: history, pages back, live. */
  let bars: Bar[] = [];
  let older = { loading: false, exhausted: false };

  const drawFills = () => {
    if (!markers) return;
    const first = bars[0]?.time ?? Number.POSITIVE_INFINITY;
    const marks = fillMarks(props.fills ?? [], props.symbol, interval()).filter((mark) => mark.time >= first); // an older fill waits for its page
    setDrawn((d) => ({ ...d, marks: marks.length }));
    markers.setMarkers(
      marks.map((mark) => ({
        time: mark.time as UTCTimestamp,
        position: mark.side === "BUY" ? "belowBar" : "aboveBar",
        shape: mark.side === "BUY" ? "arrowUp" : "arrowDown",
        color: mark.side === "BUY" ? BUY : SELL,
        text: mark.text,
      })),
    );
  };

  const draw = (bar: Bar) => {
    if (!candles || !volume) return;
    const last = bars.at(-1);
    if (last && bar.time < last.time) return; // the chart refuses to go back in time
    const opened = !last || bar.time > last.time;
    bars = withLiveBar(bars, bar);
    candles.update(candleOf(bar));
    volume.update(volumeOf(bar));
    if (opened) drawFills(); // a fill on the new bar can be marked now
  };

  const show = (list: Bar[], scrollToNow: boolean) => {
    bars = list;
    candles?.setData(list.map(candleOf));
    volume?.setData(list.map(volumeOf));
    if (scrollToNow) chart?.timeScale().scrollToRealTime();
    drawFills();
  };

  /** The page before the oldest bar; the chart keeps its place (it is anchored on the right). */
  const loadOlder = async () => {
    const oldest = bars[0];
    if (!oldest) return;
    const [symbol, every] = [props.symbol, interval()];
    older = { ...older, loading: true };
    try {
      const page = await getCandles(symbol, every, PAGE_SIZE, pageEndBefore(oldest.time));
      if (symbol !== props.symbol || every !== interval() || bars[0] !== oldest) return;
      older = { loading: false, exhausted: isLastPage(page, PAGE_SIZE) };
      show(prependPage(bars, page), false);
      setPagesBack((n) => n + 1);
    } catch (caught) {
      older = { ...older, loading: false };
      setError(messageOf(caught, t("chart.olderFailed")));
    }
  };

  onMount(() => {
    if (!container) return;
    chart = createThemedChart(container, {
      secondsVisible: false,
      priceFormatter: (price: number) => price.toLocaleString(),
    });
    candles = chart.addSeries(CandlestickSeries, { borderVisible: false });
    volume = chart.addSeries(HistogramSeries, { priceScaleId: "volume", priceFormat: { type: "volume" } });
    chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    markers = createSeriesMarkers(candles, []);
    chart.timeScale().subscribeVisibleLogicalRangeChange((range) => {
      if (wantsOlder(range?.from ?? null, { ...older, bars: bars.length })) void loadOlder();
    });
  });
  onCleanup(() => chart?.remove());

  createEffect(on([() => props.fills, () => props.symbol, interval], drawFills));

  // Rise and fall colours follow the setting (KRX red/blue or green/red), history included.
  createEffect(() => {
    const { up, down } = upDownColors();
    candles?.applyOptions({ upColor: up, downColor: down, wickUpColor: up, wickDownColor: down });
    volume?.setData(bars.map(volumeOf));
  });

  // One dashed line per open order at the price it waits for.
  createEffect(() => {
    const wanted = orderLines(props.openOrders ?? [], props.symbol);
    const series = candles;
    if (!series) return;
    for (const line of lines) series.removePriceLine(line);
    lines = wanted.map((order) =>
      series.createPriceLine({
        price: chartNumber(order.price),
        color: order.side === "BUY" ? BUY : SELL,
        lineStyle: LineStyle.Dashed,
        lineWidth: 1,
        axisLabelVisible: true,
        title: order.title,
      }),
    );
    setDrawn((d) => ({ ...d, lines: lines.length }));
  });

  // History for the symbol and interval; refetched after missed events.
  createEffect(
    on([() => props.symbol, interval, props.live.epoch], async ([symbol, every]) => {
      if (!symbol) return; // instruments not loaded yet
      const key = `candles.${symbol}.${every}`;
      setLoading(true);
      try {
        const list = await getCandles(symbol, every, PAGE_SIZE);
        if (symbol !== props.symbol || every !== interval()) return;
        older = { loading: false, exhausted: isLastPage(list, PAGE_SIZE) };
        setPagesBack(0);
        show(list.map(barOf), true);
        remember(key, list);
        setError(null);
      } catch (caught) {
        const remembered = recall<Candle[]>(key);
        if (remembered) show(remembered.data.map(barOf), true);
        setError(messageOf(caught, t("chart.failed")));
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
              const time = Math.floor(secondsOf(tick.tsEvent) / bucket) * bucket;
              const last = bars.at(-1);
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
        <h2 id="chart-title">{props.symbol || t("chart.title")}</h2>
        <fieldset class="segmented" aria-label={t("chart.interval")}>
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
      <Show when={error()}>
        {(message) => <p class="message message--error">{t("chart.error", { message: message() })}</p>}
      </Show>
      <div
        class="chart"
        ref={container}
        role="img"
        aria-label={`${t("chart.label", { symbol: props.symbol, interval: interval() })}${loading() ? `, ${t("chart.loading")}` : ""}`}
        data-testid="chart"
        data-pages-back={pagesBack()}
        data-fill-marks={drawn().marks}
        data-order-lines={drawn().lines}
      />
    </section>
  );
}
