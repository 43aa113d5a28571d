import { createGatewayService, ensureBootstrapAdmin, gatewaySettings, MemoryUserDirectory } from "@jts/api-gateway";
import { createPaperService, documentOrderStore } from "@jts/broker-paper";
import { createSimService, seedSimHistory } from "@jts/broker-sim";
import {
  type ConfigOf,
  closeRuntime,
  createLogger,
  InstrumentCatalog,
  krxHolidaysOf,
  krxSchedule,
  type Listening,
  type Logger,
  listen,
  memoryRuntime,
  type Service,
  SessionClock,
  sessionEndFor,
  sessionsFor,
} from "@jts/kit";
import { createMarketDataService } from "@jts/market-data-collector";
import { createNotificationService, notificationSettings, telegramBotSettings } from "@jts/notification-service";
import { createOrderExecutionService } from "@jts/order-execution";
import { createPortfolioService, parseAccountSeeds } from "@jts/portfolio-tracker";
import { createRiskService, riskOptionsFrom } from "@jts/risk-management";
import { createStrategyService, defaultStrategies } from "@jts/strategy-engine";
import type { platformConfigSpec } from "./config.ts";
import { openEmbeddedStorage } from "./storage.ts";

export type PlatformConfig = ConfigOf<typeof platformConfigSpec>;

/** Every service of the platform by its name, each with what it exposes beside `app` (the OMS's manager, ...). */
export interface PlatformServices {
  "portfolio-tracker": ReturnType<typeof createPortfolioService>;
  "risk-management": ReturnType<typeof createRiskService>;
  "broker-paper": ReturnType<typeof createPaperService>;
  "order-execution": ReturnType<typeof createOrderExecutionService>;
  "market-data-collector": ReturnType<typeof createMarketDataService>;
  "notification-service": ReturnType<typeof createNotificationService>;
  "strategy-engine": ReturnType<typeof createStrategyService>;
  "api-gateway": ReturnType<typeof createGatewayService>;
  "broker-sim": ReturnType<typeof createSimService>;
}

export interface Platform {
  /** Service name -> base URL. */
  urls: Record<string, string>;
  services: PlatformServices;
  runtime: ReturnType<typeof memoryRuntime>;
  stop(): Promise<void>;
}

export interface BootOptions {
  logger?: Logger;
  /** Listen on ephemeral ports (tests) instead of the configured ones. */
  ephemeralPorts?: boolean;
  /** Serve the built PWA from this directory; skipped when undefined. */
  webDist?: string;
}

/**
 * `just dev` in one process: every service is its own Elysia app on its own
 * port, all sharing one set of in-memory ports (bus, rpc, cache).
 */
export async function bootPlatform(config: PlatformConfig, options: BootOptions = {}): Promise<Platform> {
  const logger = options.logger ?? createLogger({ app: "jts" }, config.LOG_LEVEL);
  const runtime = memoryRuntime(logger);
  const catalog = new InstrumentCatalog();
  const account = config.JTS_PAPER_ACCOUNT;
  // Risk trades by these sessions; paper and the OMS expire DAY orders at their close.
  const sessions = sessionsFor(config);
  const sessionEnd = sessionEndFor(catalog, sessions);
  const storage =
    config.JTS_STORAGE === "embedded" ? await openEmbeddedStorage(config.JTS_DATA_DIR, config.PG_PORT, logger) : null;
  const users = storage?.users ?? new MemoryUserDirectory();
  try {
    await ensureBootstrapAdmin(users, config.JTS_ADMIN_USER, config.JTS_ADMIN_PASSWORD, logger);
  } catch (error) {
    await storage?.close(); // a refused admin password must not leave the embedded PostgreSQL running
    throw error;
  }

  const marketData = createMarketDataService(runtime, { catalog, ...(storage ? { history: storage.history } : {}) });
  const sim = createSimService(runtime, { seed: config.SIM_SEED, intervalMs: config.SIM_INTERVAL_MS, catalog });
  // History first, then the live feed: a fresh chart has days to scroll back through.
  const seedHistory = async () => {
    const clock = new SessionClock();
    const seeded = await seedSimHistory(marketData.history, catalog.all, {
      days: config.SIM_HISTORY_DAYS,
      nowMs: Date.now(),
      seed: config.SIM_SEED,
      liveIntervalMs: config.SIM_INTERVAL_MS,
      trades: (instrument, ms) => clock.phase(sessions(instrument), ms) !== "CLOSED",
    });
    if (seeded.ticks > 0) logger.info("sim history seeded", { ...seeded, days: config.SIM_HISTORY_DAYS });
  };

  // Started in this order (an object keeps its keys' order); each key is the service's name.
  const services: PlatformServices = {
    // The portfolio first: risk seeds its positions and the OMS its account modes from it at start.
    "portfolio-tracker": createPortfolioService(runtime, {
      accounts: [
        {
          id: account,
          owner: config.JTS_ADMIN_USER,
          venue: "sim",
          baseCurrency: "KRW",
          startingCash: config.JTS_PAPER_CASH,
        },
        ...parseAccountSeeds(config.JTS_EXTRA_ACCOUNTS),
      ],
      liveTradingEnabled: config.JTS_LIVE_TRADING === "enabled",
      equityIntervalMs: config.PORTFOLIO_EQUITY_INTERVAL_MS,
      ...storage?.portfolio(),
    }),
    "risk-management": createRiskService(runtime, {
      catalog,
      sessions,
      ...riskOptionsFrom(config),
      ...(storage ? { audit: storage.audit, documents: storage.documents } : {}),
    }),
    // Its open orders in the embedded PostgreSQL beside the OMS's: a restart keeps both, so nothing is canceled.
    "broker-paper": createPaperService(runtime, {
      catalog,
      sessionEnd,
      krxTaxRates: config.KRX_SELL_TAX_RATES,
      ...(storage ? { store: documentOrderStore(storage.documents) } : {}),
    }),
    "order-execution": createOrderExecutionService(runtime, {
      catalog,
      defaultAccount: account,
      sessionEnd,
      ...storage?.orders(runtime),
    }),
    "market-data-collector": marketData,
    "notification-service": createNotificationService(runtime, {
      ...notificationSettings(config),
      ...(storage ? { documents: storage.documents } : {}),
      seedUser: config.JTS_ADMIN_USER,
      telegram: telegramBotSettings(config),
    }),
    "strategy-engine": createStrategyService(runtime, {
      strategies: defaultStrategies(account).map((s) => ({ ...s, enabled: config.STRATEGIES === "on" })),
      ...(storage ? { documents: storage.documents } : {}),
      cooldownMs: config.STRATEGY_COOLDOWN_MS,
    }),
    "api-gateway": createGatewayService(runtime, users, gatewaySettings(config), {
      ...(storage ? { audit: storage.audit, documents: storage.documents } : {}),
      krxSessions: krxSchedule(krxHolidaysOf(config)),
    }),
    // The feed starts last so every consumer is subscribed before the first tick.
    "broker-sim": { ...sim, start: () => seedHistory().then(sim.start) },
  };
  const ports: Record<keyof PlatformServices, number> = {
    "portfolio-tracker": config.PORTFOLIO_PORT,
    "risk-management": config.RISK_PORT,
    "broker-paper": config.PAPER_PORT,
    "order-execution": config.ORDER_PORT,
    "market-data-collector": config.MARKET_DATA_PORT,
    "notification-service": config.NOTIFICATION_PORT,
    "strategy-engine": config.STRATEGY_PORT,
    "api-gateway": config.GATEWAY_PORT,
    "broker-sim": config.SIM_PORT,
  };
  const planned = Object.entries(services).map(([name, service]): [Service, number] => {
    if (service.name !== name) throw new Error(`platform: service ${service.name} is planned as ${name}`);
    return [service, ports[name as keyof PlatformServices]];
  });

  const started: Service[] = [];
  const listening: Listening[] = [];
  const stopWeb: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const w of stopWeb) await w();
    for (const l of listening.reverse()) await l.close();
    for (const s of started.reverse()) await s.stop();
    await closeRuntime(runtime);
    await storage?.close();
  };

  try {
    for (const [service, port] of planned) {
      await service.start();
      started.push(service);
      listening.push(await listen(service, options.ephemeralPorts ? 0 : port, config.JTS_HOST));
    }
    const urls = Object.fromEntries(listening.map((l) => [l.name, l.url]));
    if (options.webDist) {
      const { startWebServer } = await import("@jts/web/server");
      const web = startWebServer({
        port: options.ephemeralPorts ? 0 : config.WEB_PORT,
        hostname: config.JTS_HOST,
        distDir: options.webDist,
        gatewayUrl: urls["api-gateway"] as string,
      });
      stopWeb.push(() => web.stop());
      const webHost = config.JTS_HOST === "0.0.0.0" || config.JTS_HOST === "127.0.0.1" ? "localhost" : config.JTS_HOST;
      urls.web = `http://${webHost}:${web.port}`;
    }
    return { urls, services, runtime, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
