import { createBrokerService, HttpDateClock, VenueMetrics } from "@jts/broker-kit";
import type { Runtime } from "@jts/kit";
import { fetchApprovalKey, KisTokens } from "./auth.ts";
import type { KisSettings } from "./config.ts";
import { KisBroker, kisConnector } from "./connector.ts";
import { KIS_VENUE } from "./constants.ts";
import { type KisHttpOptions, KisRest, kisHttp } from "./rest.ts";

export const KIS_BROKER = KIS_VENUE;

export interface KisServiceOptions {
  settings: KisSettings;
  /** Symbols whose trades are streamed as ticks. */
  symbols?: readonly string[];
  /** How often the day's orders are read for fills and cancels. */
  pollMs?: number;
  fetch?: KisHttpOptions["fetch"];
  reconnectMinMs?: number;
}

/** KIS as a kit broker service: the wiring of config, metrics, HTTP, tokens, the order client and its feeds. */
export function createKisService(runtime: Runtime, options: KisServiceOptions) {
  const { settings } = options;
  const logger = runtime.logger.child({ service: "broker-kis", env: settings.env });
  const metrics = new VenueMetrics(KIS_VENUE);
  // KIS has no time endpoint: its clock is read off the Date header of the answers the service gets anyway
  // (the leader polls the day's orders every 2 s live, 5 s paper), so measuring costs none of the request budget.
  const clock = new HttpDateClock({ metrics });
  const http = kisHttp({
    settings,
    limiter: runtime.limiter,
    cache: runtime.cache,
    logger,
    fetch: options.fetch,
    metrics,
    dateClock: clock,
  });
  const tokens = new KisTokens({ settings, cache: runtime.cache, bus: runtime.bus, logger, http });
  const rest = new KisRest({ settings, http, tokens, logger });
  const broker = new KisBroker(settings, rest, runtime.cache, logger);
  const { connector, stream, poll, isLeader } = kisConnector({
    lock: runtime.lock,
    settings,
    broker,
    approvalKey: () => fetchApprovalKey(settings, http),
    symbols: options.symbols ?? [],
    pollMs: options.pollMs,
    reconnectMinMs: options.reconnectMinMs,
    logger,
  });
  const symbols = options.symbols ?? [];

  const service = createBrokerService(runtime, connector, {
    name: KIS_BROKER,
    loadInstruments: false,
    readiness: { stream: () => !isLeader() || symbols.length === 0 || stream.connected },
    metrics,
  });
  const app = service.app.get("/open-orders", () => broker.openOrders());
  return { ...service, app, broker, stream, poll, isLeader, clock, metrics };
}

export type App = ReturnType<typeof createKisService>["app"];
