import { createServiceApp, InstrumentCatalog, type Runtime, type Service } from "@jts/kit";
import { SimFeed } from "./feed.ts";
import { SimMarket } from "./market.ts";

export interface SimOptions {
  seed: number;
  intervalMs: number;
  catalog?: InstrumentCatalog;
  /** Start publishing as soon as the service starts. */
  autostart?: boolean;
}

export function createSimService(runtime: Runtime, options: SimOptions) {
  const logger = runtime.logger.child({ service: "broker-sim" });
  const catalog = options.catalog ?? new InstrumentCatalog();
  const market = new SimMarket(catalog.all, options.seed);
  const feed = new SimFeed(market, runtime.bus, logger, options.intervalMs);

  const app = createServiceApp({ name: "broker-sim", logger })
    .get("/feed", () => ({ ...feed.status(), symbols: market.symbols, seed: options.seed }))
    .post("/feed/start", () => {
      feed.start();
      return feed.status();
    })
    .post("/feed/stop", () => {
      feed.stop();
      return feed.status();
    });

  return {
    name: "broker-sim",
    app,
    feed,
    async start() {
      if (options.autostart ?? true) feed.start();
    },
    async stop() {
      feed.stop();
    },
  } satisfies Service & { feed: SimFeed };
}

export type App = ReturnType<typeof createSimService>["app"];
