import { CandleQuery, EventTypes, Subjects, type Subscription, type Tick, Topics } from "@jts/contracts";
import {
  createServiceApp,
  envelope,
  followVenueInstruments,
  InstrumentCatalog,
  notFound,
  type Runtime,
  type Service,
  serve,
} from "@jts/kit";
import { t } from "elysia";
import { CandleBook } from "./candles.ts";
import { type CandleHistory, MemoryCandleHistory } from "./history.ts";
import { PriceBoard } from "./prices.ts";

export const lastPriceKey = (symbol: string) => `md:last:${symbol}`;

export interface MarketDataOptions {
  catalog?: InstrumentCatalog;
  /** Candle history to persist ticks to and serve /candles from; in-memory when not given. Closed by stop(). */
  history?: CandleHistory;
  /**
   * Least time between two live updates of one symbol (the open 1m candle on
   * the bus, the shared last price in the cache), default 250 ms; the latest
   * state always follows at the end of the window, and a bar's first tick and
   * its close go out at once. People watch these; at thousands of ticks a
   * second, one update per tick is work nobody sees. 0 = every tick.
   */
  liveIntervalMs?: number;
}

export function createMarketDataService(runtime: Runtime, options: MarketDataOptions = {}) {
  const logger = runtime.logger.child({ service: "market-data-collector" });
  const catalog = options.catalog ?? new InstrumentCatalog();
  const prices = new PriceBoard();
  const history: CandleHistory = options.history ?? new MemoryCandleHistory();
  // Only the bar in progress per symbol: it drives the live candle events, whatever the history store is.
  const live = new CandleBook(1);
  const subscriptions: Subscription[] = [];

  const queryCandles = (q: CandleQuery) => {
    if (!catalog.find(q.symbol)) throw notFound(`instrument ${q.symbol}`);
    return history.candles(q);
  };

  const app = createServiceApp({ name: "market-data-collector", logger })
    .get("/instruments", () => catalog.all)
    .get("/prices", () => prices.all())
    .get(
      "/prices/:symbol",
      ({ params }) => {
        const price = prices.get(params.symbol);
        if (!price) throw notFound(`price for ${params.symbol}`);
        return price;
      },
      { params: t.Object({ symbol: t.String() }) },
    )
    .get("/candles", ({ query }) => queryCandles(query), { query: CandleQuery });

  const liveIntervalMs = options.liveIntervalMs ?? 250;
  const lastLive = new Map<string, number>();
  const trailing = new Map<string, ReturnType<typeof setTimeout>>();

  const publishLive = async (symbol: string) => {
    lastLive.set(symbol, performance.now());
    const price = prices.get(symbol);
    // Shared last prices: every process and gateway replica reads the same Redis keys.
    if (price) await runtime.cache.set(lastPriceKey(symbol), JSON.stringify(price));
    const current = live.current(symbol);
    if (current)
      await runtime.bus.publish(
        Topics.candle("1m", symbol),
        envelope(EventTypes.candle, "market-data", symbol, current),
      );
  };

  const publishLater = (symbol: string, delayMs: number) => {
    if (trailing.has(symbol)) return;
    const timer = setTimeout(() => {
      trailing.delete(symbol);
      publishLive(symbol).catch((error: unknown) => logger.error("live candle not published", { error, symbol }));
    }, delayMs);
    trailing.set(symbol, timer);
  };

  const onTick = async (tick: Tick) => {
    // History first: it checks the tick before anything else changes.
    await history.writeTick(tick);
    prices.onTick(tick);
    const { opened, closed } = live.add(tick);
    if (closed)
      await runtime.bus.publish(
        Topics.candle("1m", tick.symbol),
        envelope(EventTypes.candle, "market-data", tick.symbol, closed),
      );
    const sinceMs = performance.now() - (lastLive.get(tick.symbol) ?? Number.NEGATIVE_INFINITY);
    if (opened || sinceMs >= liveIntervalMs) {
      clearTimeout(trailing.get(tick.symbol));
      trailing.delete(tick.symbol);
      await publishLive(tick.symbol);
    } else publishLater(tick.symbol, liveIntervalMs - sinceMs);
  };

  return {
    name: "market-data-collector",
    app,
    prices,
    history,
    async start() {
      const background = { group: "market-data", lane: "background" } as const;
      subscriptions.push(
        await followVenueInstruments(runtime.bus, catalog, logger),
        // Ticks stay on the order path: a closed 1m candle is what a bar strategy trades on, and it
        // must reach the strategy before the next bar's later ticks do. Executions and quotes decide no order.
        await runtime.bus.subscribe(Topics.allTicks, (e) => onTick(e.payload), { group: "market-data" }),
        await runtime.bus.subscribe(Topics.fill, (e) => history.writeFill?.(e.payload), background),
        // The last prices are live; the tick recorder above keeps its durable group (history must be complete).
        await runtime.bus.subscribe(Topics.allQuotes, (e) => prices.onQuote(e.payload), { ...background, live: true }),
        await serve(runtime.rpc, Subjects.instruments, () => catalog.all),
        await serve(runtime.rpc, Subjects.prices, () => prices.all()),
        await serve(runtime.rpc, Subjects.candles, queryCandles),
      );
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
      for (const timer of trailing.values()) clearTimeout(timer);
      trailing.clear();
      // No new tick reaches the store now; closing it writes what it still buffers.
      await history.close();
    },
  } satisfies Service & { prices: PriceBoard; history: CandleHistory };
}

export type App = ReturnType<typeof createMarketDataService>["app"];
