import { hostname } from "node:os";
import {
  createBrokerService,
  credentialTag,
  HttpDateClock,
  orderClientConnector,
  VenueMetrics,
  type VenueSink,
} from "@jts/broker-kit";
import type { ExecutionReport } from "@jts/contracts";
import { holdLeadership, type Leadership, newId, type Runtime } from "@jts/kit";
import { fetchApprovalKey, KisTokens } from "./auth.ts";
import type { KisSettings } from "./config.ts";
import { KisBroker } from "./connector.ts";
import { KIS_VENUE } from "./constants.ts";
import { type KisHttpOptions, KisRest, kisHttp } from "./rest.ts";
import { KisStream } from "./stream.ts";

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

/**
 * KIS as a kit broker service. Every replica serves rpc. Only the leader
 * holds the real-time socket (KIS allows one session per app key) and polls
 * the day's orders, so no tick or fill is published twice.
 */
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
  let sink: VenueSink | null = null;
  const report = (reports: ExecutionReport[]) => {
    for (const item of reports) sink?.report(item);
  };
  const stream = new KisStream({
    url: settings.wsUrl,
    approvalKey: () => fetchApprovalKey(settings, http),
    onTicks: (ticks) => {
      for (const tick of ticks) sink?.tick(tick);
    },
    logger,
    reconnectMinMs: options.reconnectMinMs,
  });
  const symbols = options.symbols ?? [];
  let poller: ReturnType<typeof setInterval> | null = null;
  let polling = false;
  let leadership: Leadership | null = null;
  const isLeader = () => leadership !== null && leadership.token !== null;

  const poll = async () => {
    if (polling || !isLeader()) return;
    polling = true;
    try {
      report(await broker.poll());
    } catch (error) {
      logger.warn("KIS order poll failed", { error });
    } finally {
      polling = false;
    }
  };

  const connector = orderClientConnector(KIS_VENUE, broker, {
    async start(venueSink) {
      sink = venueSink;
      for (const symbol of symbols) stream.subscribe(symbol);
      leadership = await holdLeadership(
        runtime.lock,
        `broker-kis:${settings.env}:${credentialTag(settings.appKey)}`,
        `${hostname()}-${process.pid}-${newId()}`,
        {
          ttlMs: 10_000,
          onAcquired: () => {
            logger.info("leading: streaming and polling");
            if (symbols.length > 0) stream.start();
          },
          onLost: () => {
            logger.info("no longer leading: stream closed");
            stream.stop();
          },
          onError: (error) => logger.warn("KIS leadership", { error }),
        },
      );
      // Paper allows 2 requests/s in all: poll less often there.
      poller = setInterval(() => void poll(), options.pollMs ?? (settings.env === "paper" ? 5000 : 2000));
    },
    async stop() {
      if (poller) clearInterval(poller);
      await leadership?.stop();
      stream.stop();
    },
  });

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
