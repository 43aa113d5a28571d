import { CandleQuery, EventTypes, type Quote, Subjects, type Subscription, type Tick, Topics } from "@jts/contracts";
import {
  createServiceApp,
  envelope,
  InstrumentCatalog,
  notFound,
  type Runtime,
  type Service,
  serveChecked,
} from "@jts/kit";
import { t } from "elysia";
import { CandleBook } from "./candles.ts";
import { PriceBoard } from "./prices.ts";

export function createMarketDataService(runtime: Runtime, options: { catalog?: InstrumentCatalog } = {}) {
  const logger = runtime.logger.child({ service: "market-data-collector" });
  const catalog = options.catalog ?? new InstrumentCatalog();
  const prices = new PriceBoard();
  const candles = new CandleBook();
  const subscriptions: Subscription[] = [];

  const queryCandles = (q: CandleQuery) => {
    if (!catalog.find(q.symbol)) throw notFound(`instrument ${q.symbol}`);
    return candles.query(
      q.symbol,
      q.interval ?? "1m",
      q.from ? BigInt(q.from) : undefined,
      q.to ? BigInt(q.to) : undefined,
      q.limit,
    );
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

  const onTick = async (tick: Tick) => {
    prices.onTick(tick);
    const { current, closed } = candles.add(tick);
    if (closed)
      await runtime.bus.publish(
        Topics.candle("1m", tick.symbol),
        envelope(EventTypes.candle, "market-data", tick.symbol, closed),
      );
    await runtime.bus.publish(
      Topics.candle("1m", tick.symbol),
      envelope(EventTypes.candle, "market-data", tick.symbol, current),
    );
  };

  return {
    name: "market-data-collector",
    app,
    prices,
    candles,
    async start() {
      subscriptions.push(
        await runtime.bus.subscribe(Topics.allTicks, (e) => onTick(e.payload as Tick), { group: "market-data" }),
        await runtime.bus.subscribe(Topics.allQuotes, (e) => prices.onQuote(e.payload as Quote), {
          group: "market-data",
        }),
        await runtime.rpc.serve(Subjects.instruments, () => catalog.all),
        await runtime.rpc.serve(Subjects.prices, () => prices.all()),
        await serveChecked(runtime.rpc, Subjects.candles, CandleQuery, queryCandles),
      );
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  } satisfies Service & { prices: PriceBoard; candles: CandleBook };
}

export type App = ReturnType<typeof createMarketDataService>["app"];
