import {
  AccountQuery,
  CancelOrderCommand,
  EventTypes,
  type ExecutionReport,
  nowNs,
  OpenOrdersQuery,
  PlaceOrderCommand,
  QueryOrderCommand,
  type Quote,
  Subjects,
  type Subscription,
  type Tick,
  Topics,
} from "@jts/contracts";
import {
  createServiceApp,
  envelope,
  followVenueInstruments,
  InstrumentCatalog,
  type Runtime,
  type Service,
  serveChecked,
} from "@jts/kit";
import { t } from "elysia";
import { MatchingEngine, type MatchingEngineOptions } from "./engine.ts";

export const PAPER_BROKER = "paper";

export interface PaperServiceOptions
  extends Partial<
    Pick<MatchingEngineOptions, "fees" | "krxTaxRates" | "krxHolidays" | "slippage" | "sessionEnd" | "initialBalances">
  > {
  catalog?: InstrumentCatalog;
  /** How often DAY orders are checked for expiry between market events. */
  expiryCheckMs?: number;
}

/**
 * The paper venue as a service: the matching engine fed from the bus (quotes
 * and trades), the broker rpc in front of it, and its reports on exec.report
 * in the order the engine produced them.
 */
export function createPaperService(runtime: Runtime, options: PaperServiceOptions = {}) {
  const logger = runtime.logger.child({ service: "broker-paper" });
  const catalog = options.catalog ?? new InstrumentCatalog();
  const engine = new MatchingEngine({
    clock: nowNs,
    instruments: catalog,
    fees: options.fees,
    krxTaxRates: options.krxTaxRates,
    krxHolidays: options.krxHolidays,
    slippage: options.slippage,
    sessionEnd: options.sessionEnd,
    initialBalances: options.initialBalances,
  });
  const subscriptions: Subscription[] = [];
  let expiryTimer: ReturnType<typeof setInterval> | undefined;
  let published: Promise<void> = Promise.resolve();

  /** Chained, so reports leave in engine order even when their events overlap. */
  const publish = (reports: ExecutionReport[]): Promise<void> => {
    if (reports.length === 0) return published;
    published = published.then(async () => {
      for (const report of reports) {
        await runtime.bus
          .publish(
            Topics.executionReport,
            envelope(EventTypes.executionReport, "broker-paper", report.orderId, report, report.tsEvent),
          )
          .catch((error: unknown) =>
            logger.error("execution report not published", {
              orderId: report.orderId,
              error: (error as Error).message,
            }),
          );
      }
    });
    return published;
  };

  const app = createServiceApp({ name: "broker-paper", logger })
    .get("/open-orders", ({ query }) => engine.openOrders(query.account), {
      query: t.Object({ account: t.Optional(t.String()) }),
    })
    .get("/positions/:account", ({ params }) => engine.positions(params.account))
    .get("/balances/:account", ({ params }) => engine.balances(params.account));

  return {
    name: "broker-paper",
    app,
    engine,
    async start() {
      subscriptions.push(
        await followVenueInstruments(runtime.bus, catalog, logger),
        await runtime.bus.subscribe(Topics.allQuotes, (event) => publish(engine.onQuote(event.payload as Quote)), {
          group: "broker-paper",
        }),
        await runtime.bus.subscribe(Topics.allTicks, (event) => publish(engine.onTick(event.payload as Tick)), {
          group: "broker-paper",
        }),
        // The reply goes first; the reports follow on the bus, as from a real venue.
        await serveChecked(runtime.rpc, Subjects.brokerPlace(PAPER_BROKER), PlaceOrderCommand, ({ order }) => {
          const { ack, reports } = engine.place(order);
          queueMicrotask(() => void publish(reports));
          return ack;
        }),
        await serveChecked(runtime.rpc, Subjects.brokerCancel(PAPER_BROKER), CancelOrderCommand, ({ orderId }) => {
          const { ack, reports } = engine.cancel(orderId);
          queueMicrotask(() => void publish(reports));
          return ack;
        }),
        await serveChecked(runtime.rpc, Subjects.brokerOpenOrders(PAPER_BROKER), OpenOrdersQuery, ({ account }) =>
          engine.openOrders(account),
        ),
        await serveChecked(runtime.rpc, Subjects.brokerQueryOrder(PAPER_BROKER), QueryOrderCommand, (query) =>
          engine.queryOrder(query),
        ),
        await serveChecked(runtime.rpc, Subjects.brokerBalances(PAPER_BROKER), AccountQuery, ({ account }) =>
          engine.balances(account),
        ),
        await serveChecked(runtime.rpc, Subjects.brokerPositions(PAPER_BROKER), AccountQuery, ({ account }) =>
          engine.positions(account),
        ),
      );
      expiryTimer = setInterval(() => void publish(engine.advance()), options.expiryCheckMs ?? 1000);
    },
    async stop() {
      clearInterval(expiryTimer);
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
      await published;
    },
  } satisfies Service & { engine: MatchingEngine };
}

export type App = ReturnType<typeof createPaperService>["app"];
