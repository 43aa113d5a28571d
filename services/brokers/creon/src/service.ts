import { createBrokerService, ServerClock, VenueMetrics } from "@jts/broker-kit";
import type { Runtime } from "@jts/kit";
import type { CreonSettings } from "./config.ts";
import { CreonBroker, creonConnector } from "./connector.ts";
import { CREON_CLOCK_REFRESH_MS, CREON_VENUE } from "./constants.ts";
import { CreonBridgeClient, type CreonBridgeClientOptions } from "./rest.ts";

export const CREON_BROKER = CREON_VENUE;

export interface CreonServiceOptions {
  settings: CreonSettings;
  symbols?: readonly string[];
  fetch?: CreonBridgeClientOptions["fetch"];
  reconnectMinMs?: number;
}

/** Creon as a kit broker service: the wiring of config, metrics, the bridge client, its clock, the order client and its feeds. */
export function createCreonService(runtime: Runtime, options: CreonServiceOptions) {
  const logger = runtime.logger.child({ service: "broker-creon" });
  const { settings } = options;
  const metrics = new VenueMetrics(CREON_VENUE);
  const bridge = new CreonBridgeClient({
    baseUrl: settings.bridgeUrl,
    secret: settings.bridgeSecret,
    limiter: runtime.limiter,
    cache: runtime.cache,
    logger,
    fetch: options.fetch,
    metrics,
  });
  // The bridge host's clock (GET /v1/health, no Creon request): every replica measures it, once a minute.
  const clock = new ServerClock(() => bridge.serverTime(), { logger, metrics, refreshMs: CREON_CLOCK_REFRESH_MS });
  const broker = new CreonBroker(settings, bridge, runtime.cache, logger);
  const { connector, stream, isLeader } = creonConnector({
    lock: runtime.lock,
    settings,
    broker,
    clock,
    symbols: options.symbols ?? [],
    reconnectMinMs: options.reconnectMinMs,
    logger,
  });

  const service = createBrokerService(runtime, connector, {
    name: CREON_BROKER,
    loadInstruments: false,
    readiness: { bridge: () => !isLeader() || stream.connected },
    metrics,
  });
  const app = service.app.get("/open-orders", () => broker.openOrders());
  return { ...service, app, broker, stream, isLeader, clock, metrics };
}

export type App = ReturnType<typeof createCreonService>["app"];
