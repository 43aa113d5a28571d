import { hostname } from "node:os";
import type { Subscription } from "@jts/contracts";
import { createServiceApp, holdLeadership, type Leadership, newId, type Runtime, type Service } from "@jts/kit";
import { KisBroker } from "./broker.ts";
import type { KisSettings } from "./config.ts";
import { KisRest } from "./http-client.ts";
import { publishReports, publishTicks, serveBroker } from "./serve-broker.ts";
import { fetchApprovalKey, KisTokens } from "./token.ts";
import { credentialTag, type Fetcher } from "./transport.ts";
import { KisStream } from "./ws-client.ts";

export const KIS_BROKER = "kis";

export interface KisServiceOptions {
  settings: KisSettings;
  /** Symbols whose trades are streamed as ticks. */
  symbols?: readonly string[];
  /** How often the day's orders are read for fills and cancels. */
  pollMs?: number;
  fetch?: Fetcher;
  reconnectMinMs?: number;
}

export function createKisService(runtime: Runtime, options: KisServiceOptions) {
  const logger = runtime.logger.child({ service: "broker-kis", env: options.settings.env });
  const fetcher = options.fetch ?? ((request: Request) => fetch(request));
  const tokens = new KisTokens({
    settings: options.settings,
    cache: runtime.cache,
    bus: runtime.bus,
    logger,
    fetch: fetcher,
  });
  const rest = new KisRest({ settings: options.settings, tokens, limiter: runtime.limiter, logger, fetch: fetcher });
  const broker = new KisBroker(options.settings, rest, runtime.cache);
  const stream = new KisStream({
    url: options.settings.wsUrl,
    approvalKey: () => fetchApprovalKey(options.settings, fetcher),
    onTicks: (ticks) =>
      void publishTicks(runtime.bus, KIS_BROKER, ticks).catch((error) => logger.warn("tick publish failed", { error })),
    logger,
    reconnectMinMs: options.reconnectMinMs,
  });
  const subscriptions: Subscription[] = [];
  const symbols = options.symbols ?? [];
  let poller: ReturnType<typeof setInterval> | null = null;
  let polling = false;
  // Every replica serves rpc. Only the leader holds the real-time socket (KIS allows one
  // session per app key) and polls the day's orders, so no tick or fill is published twice.
  let leadership: Leadership | null = null;
  const isLeader = () => leadership !== null && leadership.token !== null;

  const poll = async () => {
    if (polling || !isLeader()) return;
    polling = true;
    try {
      await publishReports(runtime.bus, KIS_BROKER, await broker.poll());
    } catch (error) {
      logger.warn("KIS order poll failed", { error });
    } finally {
      polling = false;
    }
  };

  const lead = () => {
    logger.info("leading: streaming and polling");
    if (symbols.length > 0) stream.start();
  };
  const follow = () => {
    logger.info("no longer leading: stream closed");
    stream.stop();
  };

  const app = createServiceApp({
    name: "broker-kis",
    logger,
    readiness: { stream: () => !isLeader() || symbols.length === 0 || stream.connected },
  }).get("/open-orders", () => broker.openOrders());

  return {
    name: "broker-kis",
    app,
    broker,
    stream,
    poll,
    isLeader,
    async start() {
      subscriptions.push(...(await serveBroker(runtime.rpc, runtime.bus, KIS_BROKER, broker)));
      for (const symbol of symbols) stream.subscribe(symbol);
      leadership = await holdLeadership(
        runtime.lock,
        `broker-kis:${options.settings.env}:${credentialTag(options.settings.appKey)}`,
        `${hostname()}-${process.pid}-${newId()}`,
        {
          ttlMs: 10_000,
          onAcquired: lead,
          onLost: follow,
          onError: (error) => logger.warn("KIS leadership", { error }),
        },
      );
      // Paper allows 2 requests/s in all: poll less often there.
      poller = setInterval(() => void poll(), options.pollMs ?? (options.settings.env === "paper" ? 5000 : 2000));
    },
    async stop() {
      if (poller) clearInterval(poller);
      await leadership?.stop();
      stream.stop();
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  } satisfies Service & { broker: KisBroker; stream: KisStream; poll: () => Promise<void>; isLeader: () => boolean };
}

export type App = ReturnType<typeof createKisService>["app"];
