import { hostname } from "node:os";
import {
  createBrokerService,
  credentialTag,
  orderClientConnector,
  ServerClock,
  VenueMetrics,
  type VenueSink,
} from "@jts/broker-kit";
import type { ExecutionReport } from "@jts/contracts";
import { holdLeadership, type Leadership, newId, type Runtime } from "@jts/kit";
import type { CreonSettings } from "./config.ts";
import { CreonBroker } from "./connector.ts";
import { CREON_CLOCK_REFRESH_MS, CREON_VENUE } from "./constants.ts";
import { CreonBridgeClient, type CreonBridgeClientOptions } from "./rest.ts";
import { CreonStream } from "./stream.ts";

export const CREON_BROKER = CREON_VENUE;

export interface CreonServiceOptions {
  settings: CreonSettings;
  symbols?: readonly string[];
  fetch?: CreonBridgeClientOptions["fetch"];
  reconnectMinMs?: number;
}

/**
 * Creon as a kit broker service. Every replica serves rpc; only the leader
 * holds the bridge stream, so each tick and execution is published once.
 */
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
  let sink: VenueSink | null = null;
  const report = (reports: ExecutionReport[]) => {
    for (const item of reports) sink?.report(item);
  };
  const stream = new CreonStream({
    baseUrl: settings.bridgeUrl,
    secret: settings.bridgeSecret,
    logger,
    reconnectMinMs: options.reconnectMinMs,
    onTicks: (ticks) => {
      for (const tick of ticks) sink?.tick(tick);
    },
    onExecution: (event) =>
      void broker
        .onExecution(event)
        .then(report)
        .catch((error) => logger.warn("execution report failed", { error })),
    onRefused: (symbol, message) => logger.error("Creon refused a subscription", { symbol, message }),
  });
  let leadership: Leadership | null = null;
  const isLeader = () => leadership !== null && leadership.token !== null;

  const connector = orderClientConnector(CREON_VENUE, broker, {
    async start(venueSink) {
      sink = venueSink;
      await clock.start();
      for (const symbol of options.symbols ?? []) stream.subscribe(symbol);
      leadership = await holdLeadership(
        runtime.lock,
        `broker-creon:${credentialTag(settings.bridgeUrl)}`,
        `${hostname()}-${process.pid}-${newId()}`,
        {
          ttlMs: 10_000,
          // The stream carries executions too, so the leader opens it even with no symbols.
          onAcquired: () => stream.start(),
          onLost: () => stream.stop(),
          onError: (error) => logger.warn("Creon leadership", { error }),
        },
      );
    },
    async stop() {
      clock.stop();
      await leadership?.stop();
      stream.stop();
    },
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
