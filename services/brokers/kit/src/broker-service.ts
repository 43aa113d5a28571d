import {
  type AccountQuery,
  type AmendOrderCommand,
  type Balance,
  type BrokerAck,
  type CancelOrderCommand,
  type Candle,
  EventTypes,
  type ExecutionReport,
  type Instrument,
  nowNsString,
  type OpenOrdersQuery,
  type Order,
  type Position,
  type QueryOrderCommand,
  type Quote,
  Subjects,
  type Subscription,
  type Tick,
  type Topic,
  type TopicPayload,
  Topics,
  type Venue,
  type VenueOrder,
} from "@jts/contracts";
import { createServiceApp, envelope, InstrumentCatalog, type Runtime, type Service, serve } from "@jts/kit";
import { VenueError } from "./errors.ts";
import { brokerAck, unknownOutcomeAck } from "./order-answers.ts";
import type { VenueMetrics } from "./venue-metrics.ts";

/** Where a connector hands what its streams produce. */
export interface VenueSink {
  report(report: ExecutionReport): void;
  tick(tick: Tick): void;
  quote(quote: Quote): void;
  /** Venue candles (kline streams); published only with `publishCandles`, the collector builds its own from ticks. */
  candle(candle: Candle): void;
}

/**
 * What a venue connector implements; the broker service turns it into the
 * common broker contract (rpc broker.<name>.*, reports on exec.report, ticks
 * and quotes on md.*). Methods speak contracts types only.
 */
export interface VenueConnector {
  readonly venue: Venue;
  /** From the venue's exchange info: tick size, lot size, min notional. */
  loadInstruments(): Promise<Instrument[]>;
  /** Opens streams (market data, user data) that feed `sink`; `catalog` holds the loaded instruments. */
  start(sink: VenueSink, catalog: InstrumentCatalog): Promise<void>;
  stop(): Promise<void>;
  place(order: Order): Promise<BrokerAck>;
  cancel(command: CancelOrderCommand): Promise<BrokerAck>;
  /** The venue's own amend of a working order (KIS 정정, Creon modify); served as rpc broker.<name>.amend when present. */
  amend?(command: AmendOrderCommand): Promise<BrokerAck>;
  queryOrder(query: QueryOrderCommand): Promise<VenueOrder | null>;
  openOrders(query: OpenOrdersQuery): Promise<VenueOrder[]>;
  balances(query: AccountQuery): Promise<Balance[]>;
  positions(query: AccountQuery): Promise<Position[]>;
}

export interface BrokerServiceOptions {
  /** The broker name in rpc subjects (`broker.<name>.place`); default the venue. */
  name?: string;
  /** Instruments are loaded at start unless this says not to (tests without exchange info). */
  loadInstruments?: boolean;
  /** Publish the venue's own candles on md.candle.*; off by default (the collector owns candles). */
  publishCandles?: boolean;
  /** How often the loaded instruments are announced again on md.instrument.<venue> (default 5 min). */
  announceInstrumentsEveryMs?: number;
  /** The connector's own readiness checks (its streams), next to "started". */
  readiness?: Record<string, () => boolean>;
  /** The connector's metrics (VenueMetrics: clock offset, rate-limit pauses), served at /metrics with the service's. */
  metrics?: VenueMetrics;
}

export interface BrokerService extends Service {
  catalog(): InstrumentCatalog;
  readonly published: { reports: number; ticks: number; quotes: number; candles: number; publishErrors: number };
}

/**
 * Serves one connector as a broker. A venue refusal of an order is an ack with
 * `accepted: false`, outcome REFUSED and the venue's reason; any other failure
 * of a place (rate-limited, timed out, connection lost) is outcome UNKNOWN,
 * because the OMS must not read "maybe placed" as "rejected" (an rpc error or
 * timeout reads as UNKNOWN too). Other calls fail with an rpc error.
 * `query-order` is the lookup by client order id: every connector sends our
 * order id as the venue's client order id (or remembers the mapping) and
 * answers null only when the venue says it has no such order.
 */
export function createBrokerService(
  runtime: Runtime,
  connector: VenueConnector,
  options: BrokerServiceOptions = {},
): BrokerService {
  const name = options.name ?? connector.venue;
  const source = `broker-${name}`;
  const logger = runtime.logger.child({ service: source });
  const subscriptions: Subscription[] = [];
  let catalog = new InstrumentCatalog([]);
  let started = false;
  let retryInstruments: ReturnType<typeof setInterval> | undefined;
  let announceTimer: ReturnType<typeof setInterval> | undefined;
  const published = { reports: 0, ticks: 0, quotes: 0, candles: 0, publishErrors: 0 };

  const publish = <T extends Topic>(topic: T, type: string, key: string, payload: TopicPayload<T>, tsEvent: string) => {
    runtime.bus.publish(topic, envelope(type, source, key, payload, tsEvent)).catch((error) => {
      published.publishErrors++;
      logger.error("publish failed", { topic, error });
    });
  };
  const sink: VenueSink = {
    report(report) {
      published.reports++;
      publish(Topics.executionReport, EventTypes.executionReport, report.orderId, report, report.tsEvent);
    },
    tick(tick) {
      published.ticks++;
      publish(Topics.tick(tick.venue, tick.symbol), EventTypes.tick, tick.symbol, tick, tick.tsEvent);
    },
    quote(quote) {
      published.quotes++;
      publish(Topics.quote(quote.venue, quote.symbol), EventTypes.quote, quote.symbol, quote, quote.tsEvent);
    },
    candle(candle) {
      if (!options.publishCandles) return;
      published.candles++;
      publish(Topics.candle(candle.interval, candle.symbol), EventTypes.candle, candle.symbol, candle, candle.tsOpen);
    },
  };

  const refusal = (orderId: string, error: unknown): BrokerAck => {
    if (error instanceof VenueError && error.kind === "rejected") return brokerAck(orderId, null, error.message);
    throw error;
  };
  /** A place: only the venue's refusal is REFUSED; any other failure may have reached the venue. */
  const placeAnswer = (orderId: string, error: unknown): BrokerAck => {
    if (error instanceof VenueError && error.kind === "rejected") return brokerAck(orderId, null, error.message);
    logger.warn("place outcome unknown", { orderId, error });
    return unknownOutcomeAck(orderId, (error as Error).message);
  };

  // Risk, the OMS and the paper venue follow md.instrument.* (followVenueInstruments): announced
  // on load and again every few minutes, so a service that starts later catches up.
  const announceInstruments = () => {
    const instruments = catalog.all;
    if (instruments.length === 0) return;
    const venue = connector.venue;
    publish(Topics.instruments(venue), EventTypes.instruments, venue, { venue, instruments }, nowNsString());
  };
  const loaded = (instruments: Instrument[]) => {
    catalog = new InstrumentCatalog(instruments);
    logger.info("instruments loaded", { count: instruments.length });
    announceInstruments();
  };

  const app = createServiceApp({
    name: source,
    logger,
    metrics: options.metrics?.registry,
    readiness: { ...options.readiness, started: () => started },
  }).get("/instruments", () => catalog.all);

  return {
    name: source,
    app,
    published,
    catalog: () => catalog,
    async start() {
      if (options.loadInstruments !== false) {
        try {
          loaded(await connector.loadInstruments());
        } catch (error) {
          // The venue may be down at start: serve anyway (orders get the venue's answer) and keep asking.
          logger.error("instruments not loaded; retrying every 30 s", { error });
          retryInstruments = setInterval(() => {
            connector
              .loadInstruments()
              .then((instruments) => {
                clearInterval(retryInstruments);
                loaded(instruments);
              })
              .catch(() => undefined);
          }, 30_000);
          retryInstruments.unref?.();
        }
      }
      await connector.start(sink, catalog);
      subscriptions.push(
        await serve(runtime.rpc, Subjects.brokerPlace(name), ({ order }) =>
          connector.place(order).catch((error) => placeAnswer(order.id, error)),
        ),
        await serve(runtime.rpc, Subjects.brokerCancel(name), (command) =>
          connector.cancel(command).catch((error) => refusal(command.orderId, error)),
        ),
        await serve(runtime.rpc, Subjects.brokerQueryOrder(name), (query) => connector.queryOrder(query)),
        await serve(runtime.rpc, Subjects.brokerOpenOrders(name), (query) => connector.openOrders(query)),
        await serve(runtime.rpc, Subjects.brokerBalances(name), (query) => connector.balances(query)),
        await serve(runtime.rpc, Subjects.brokerPositions(name), (query) => connector.positions(query)),
      );
      const amend = connector.amend?.bind(connector);
      if (amend)
        subscriptions.push(
          await serve(runtime.rpc, Subjects.brokerAmend(name), (command) =>
            amend(command).catch((error) => refusal(command.orderId, error)),
          ),
        );
      announceTimer = setInterval(announceInstruments, options.announceInstrumentsEveryMs ?? 300_000);
      announceTimer.unref?.();
      started = true;
    },
    async stop() {
      started = false;
      clearInterval(retryInstruments);
      clearInterval(announceTimer);
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
      await connector.stop();
    },
  };
}
