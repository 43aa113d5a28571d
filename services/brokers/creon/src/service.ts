import { hostname } from "node:os";
import { credentialTag, type Fetcher, publishReports, publishTicks, serveBroker } from "@jts/broker-kis";
import type { Subscription } from "@jts/contracts";
import { createServiceApp, holdLeadership, type Leadership, newId, type Runtime, type Service } from "@jts/kit";
import { CreonBridgeClient } from "./bridge-client.ts";
import { CreonBroker } from "./broker.ts";
import type { CreonSettings } from "./config.ts";
import { CreonStream } from "./stream.ts";

export const CREON_BROKER = "creon";

export interface CreonServiceOptions {
  settings: CreonSettings;
  symbols?: readonly string[];
  fetch?: Fetcher;
  reconnectMinMs?: number;
}

export function createCreonService(runtime: Runtime, options: CreonServiceOptions) {
  const logger = runtime.logger.child({ service: "broker-creon" });
  const { settings } = options;
  const bridge = new CreonBridgeClient({
    baseUrl: settings.bridgeUrl,
    secret: settings.bridgeSecret,
    limiter: runtime.limiter,
    logger,
    fetch: options.fetch,
  });
  const broker = new CreonBroker(settings, bridge, runtime.cache, logger);
  const warn = (what: string) => (error: unknown) => logger.warn(what, { error });
  const stream = new CreonStream({
    baseUrl: settings.bridgeUrl,
    secret: settings.bridgeSecret,
    logger,
    reconnectMinMs: options.reconnectMinMs,
    onTicks: (ticks) => void publishTicks(runtime.bus, CREON_BROKER, ticks).catch(warn("tick publish failed")),
    onExecution: (event) =>
      void broker
        .onExecution(event)
        .then((reports) => publishReports(runtime.bus, CREON_BROKER, reports))
        .catch(warn("execution report failed")),
    onRefused: (symbol, message) => logger.error("Creon refused a subscription", { symbol, message }),
  });
  const subscriptions: Subscription[] = [];
  // Every replica serves rpc; only the leader holds the bridge stream, so each tick and
  // execution is published once.
  let leadership: Leadership | null = null;
  const isLeader = () => leadership !== null && leadership.token !== null;

  const app = createServiceApp({
    name: "broker-creon",
    logger,
    readiness: { bridge: () => !isLeader() || stream.connected },
  }).get("/open-orders", () => broker.openOrders());

  return {
    name: "broker-creon",
    app,
    broker,
    stream,
    isLeader,
    async start() {
      subscriptions.push(...(await serveBroker(runtime.rpc, runtime.bus, CREON_BROKER, broker)));
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
      await leadership?.stop();
      stream.stop();
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  } satisfies Service & { broker: CreonBroker; stream: CreonStream; isLeader: () => boolean };
}

export type App = ReturnType<typeof createCreonService>["app"];
