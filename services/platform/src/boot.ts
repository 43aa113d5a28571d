import { createGatewayService, ensureBootstrapAdmin, gatewaySettings, MemoryUserDirectory } from "@jts/api-gateway";
import { createPaperService, documentOrderStore } from "@jts/broker-paper";
import { createSimService } from "@jts/broker-sim";
import {
  type ConfigOf,
  closeRuntime,
  createLogger,
  InstrumentCatalog,
  type Listening,
  type Logger,
  listen,
  memoryRuntime,
  type Service,
  sessionEndFor,
  sessionsFor,
} from "@jts/kit";
import { createMarketDataService } from "@jts/market-data-collector";
import { createNotificationService, notificationSettings } from "@jts/notification-service";
import { createOrderExecutionService } from "@jts/order-execution";
import { createPortfolioService, parseAccountSeeds } from "@jts/portfolio-tracker";
import { createRiskService, riskOptionsFrom } from "@jts/risk-management";
import { createStrategyService, defaultStrategies } from "@jts/strategy-engine";
import type { platformConfigSpec } from "./config.ts";
import { openEmbeddedStorage } from "./storage.ts";

export type PlatformConfig = ConfigOf<typeof platformConfigSpec>;

export interface Platform {
  /** Service name -> base URL. */
  urls: Record<string, string>;
  services: Record<string, Service>;
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

  const planned: Array<[Service, number]> = [
    // The portfolio first: risk seeds its positions and the OMS its account modes from it at start.
    [
      createPortfolioService(runtime, {
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
      config.PORTFOLIO_PORT,
    ],
    [
      createRiskService(runtime, {
        catalog,
        sessions,
        ...riskOptionsFrom(config),
        ...(storage ? { audit: storage.audit, documents: storage.documents } : {}),
      }),
      config.RISK_PORT,
    ],
    [
      // Its open orders in the embedded PostgreSQL beside the OMS's: a restart keeps both, so nothing is canceled.
      createPaperService(runtime, {
        catalog,
        sessionEnd,
        krxTaxRates: config.KRX_SELL_TAX_RATES,
        ...(storage ? { store: documentOrderStore(storage.documents) } : {}),
      }),
      config.PAPER_PORT,
    ],
    [
      createOrderExecutionService(runtime, {
        catalog,
        defaultAccount: account,
        sessionEnd,
        ...storage?.orders(runtime),
      }),
      config.ORDER_PORT,
    ],
    [
      createMarketDataService(runtime, { catalog, ...(storage ? { history: storage.history } : {}) }),
      config.MARKET_DATA_PORT,
    ],
    [
      createNotificationService(runtime, {
        ...notificationSettings(config),
        ...(storage ? { documents: storage.documents } : {}),
        seedUser: config.JTS_ADMIN_USER,
      }),
      config.NOTIFICATION_PORT,
    ],
    [
      createStrategyService(runtime, {
        strategies: defaultStrategies(account).map((s) => ({ ...s, enabled: config.STRATEGIES === "on" })),
        ...(storage ? { documents: storage.documents } : {}),
        cooldownMs: config.STRATEGY_COOLDOWN_MS,
      }),
      config.STRATEGY_PORT,
    ],
    [
      createGatewayService(runtime, users, gatewaySettings(config), storage ? { audit: storage.audit } : {}),
      config.GATEWAY_PORT,
    ],
    // The feed starts last so every consumer is subscribed before the first tick.
    [
      createSimService(runtime, { seed: config.SIM_SEED, intervalMs: config.SIM_INTERVAL_MS, catalog }),
      config.SIM_PORT,
    ],
  ];

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
    return { urls, services: Object.fromEntries(started.map((s) => [s.name, s])), runtime, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
