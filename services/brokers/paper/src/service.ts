import {
  type BrokerAck,
  EventTypes,
  type ExecutionReport,
  nowNs,
  nowNsString,
  type Order,
  Subjects,
  type Subscription,
  Topics,
} from "@jts/contracts";
import {
  createServiceApp,
  envelope,
  followVenueInstruments,
  InstrumentCatalog,
  type Runtime,
  type Service,
  serve,
} from "@jts/kit";
import { t } from "elysia";
import { type EngineResult, MatchingEngine, type MatchingEngineOptions } from "./engine.ts";
import { cacheOrderStore, type PaperOrderStore } from "./order-store.ts";

export const PAPER_BROKER = "paper";

export interface PaperServiceOptions
  extends Partial<
    Pick<MatchingEngineOptions, "fees" | "krxTaxRates" | "krxHolidays" | "slippage" | "sessionEnd" | "initialBalances">
  > {
  catalog?: InstrumentCatalog;
  /** How often DAY orders are checked for expiry between market events. */
  expiryCheckMs?: number;
  /** Where open orders survive a restart; the runtime's cache by default. */
  store?: PaperOrderStore;
  /** Test faults for the place rpc (the paper venue misbehaving like a real one); none by default. */
  faults?: PaperFaults;
}

interface PlaceFault {
  kind: "drop-ack" | "place-late" | "refuse-late";
  delayMs: number;
}

/**
 * How the next place calls misbehave, as a real venue's link can: the order is
 * placed but the answer is lost ("drop-ack"), placed only after the caller has
 * given up ("place-late"), or refused after the caller has given up
 * ("refuse-late"). Each queued fault applies to one place.
 */
export class PaperFaults {
  private readonly queue: PlaceFault[] = [];

  next(kind: PlaceFault["kind"], delayMs = 0): this {
    this.queue.push({ kind, delayMs });
    return this;
  }

  take() {
    return this.queue.shift();
  }
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
  const store = options.store ?? cacheOrderStore(runtime.cache);
  let saved: Promise<void> = Promise.resolve();
  let saveQueued = false;
  /**
   * Writes the open orders and the ledger (one value) after a change. Changes that come while a write is
   * queued ride on it (it reads the book when it runs), so a burst of fills
   * costs one write, not one per fill; a failed write is logged and the next
   * change writes again.
   */
  const persist = (): Promise<void> => {
    if (saveQueued) return saved;
    saveQueued = true;
    saved = saved
      .then(() => {
        saveQueued = false;
        return store.save(engine.persisted());
      })
      .catch((error: unknown) =>
        logger.error("open orders and ledger not persisted", { error: (error as Error).message }),
      );
    return saved;
  };

  /**
   * Reports leave in engine order: each is handed to the bus as the engine makes it, without waiting for
   * the previous one's ack (the transports keep call order), so a burst of fills costs one round trip, not
   * one per report. `published` settles once everything handed over so far has left (stop waits for it).
   * Each report is a change: persisted.
   */
  const publish = (reports: ExecutionReport[]): Promise<void> => {
    if (reports.length === 0) return published;
    void persist();
    const sent = reports.map((report) =>
      runtime.bus
        .publish(
          Topics.executionReport,
          envelope(EventTypes.executionReport, "broker-paper", report.orderId, report, report.tsEvent),
        )
        .catch((error: unknown) =>
          logger.error("execution report not published", {
            orderId: report.orderId,
            error: (error as Error).message,
          }),
        ),
    );
    published = Promise.all([published, ...sent]).then(() => {});
    return published;
  };

  const app = createServiceApp({ name: "broker-paper", logger })
    .get("/open-orders", ({ query }) => engine.openOrders(query.account), {
      query: t.Object({ account: t.Optional(t.String()) }),
    })
    .get("/positions/:account", ({ params }) => engine.positions(params.account))
    .get("/balances/:account", ({ params }) => engine.balances(params.account));

  /** The reply goes first; the reports follow on the bus, as from a real venue. */
  const answer = ({ ack, reports }: EngineResult) => {
    queueMicrotask(() => void publish(reports));
    return ack;
  };
  /** Synchronous without a fault: the in-process rpc then answers the OMS without a timer or a promise. */
  const place = (order: Order): BrokerAck | Promise<BrokerAck> => {
    const fault = options.faults?.take();
    return fault ? placeWithFault(order, fault) : answer(engine.place(order));
  };
  const placeWithFault = async (order: Order, fault: PlaceFault): Promise<BrokerAck> => {
    await Bun.sleep(fault.delayMs);
    if (fault.kind === "refuse-late")
      return {
        orderId: order.id,
        accepted: false,
        outcome: "REFUSED",
        venueOrderId: null,
        reason: "refused late (fault)",
        tsEvent: nowNsString(),
      };
    const ack = answer(engine.place(order));
    if (fault.kind === "drop-ack") throw new Error("the answer was lost (fault)");
    return ack;
  };

  return {
    name: "broker-paper",
    app,
    engine,
    async start() {
      const restored = engine.restore(await store.load());
      if (restored > 0) logger.info("working the open orders of the last run again", { count: restored });
      subscriptions.push(
        await followVenueInstruments(runtime.bus, catalog, logger),
        // The market as it trades (live, as a venue sees it): no replayed prices fill resting orders after a restart.
        await runtime.bus.subscribe(Topics.allQuotes, (event) => publish(engine.onQuote(event.payload)), {
          group: "broker-paper",
          live: true,
        }),
        await runtime.bus.subscribe(Topics.allTicks, (event) => publish(engine.onTick(event.payload)), {
          group: "broker-paper",
          live: true,
        }),
        await serve(runtime.rpc, Subjects.brokerPlace(PAPER_BROKER), ({ order }) => place(order)),
        await serve(runtime.rpc, Subjects.brokerCancel(PAPER_BROKER), ({ orderId }) => answer(engine.cancel(orderId))),
        await serve(runtime.rpc, Subjects.brokerOpenOrders(PAPER_BROKER), ({ account }) => engine.openOrders(account)),
        await serve(runtime.rpc, Subjects.brokerQueryOrder(PAPER_BROKER), (query) => engine.queryOrder(query)),
        await serve(runtime.rpc, Subjects.brokerBalances(PAPER_BROKER), ({ account }) => engine.balances(account)),
        await serve(runtime.rpc, Subjects.brokerPositions(PAPER_BROKER), ({ account }) => engine.positions(account)),
      );
      expiryTimer = setInterval(() => void publish(engine.advance()), options.expiryCheckMs ?? 1000);
    },
    async stop() {
      clearInterval(expiryTimer);
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
      await published;
      await saved;
    },
  } satisfies Service & { engine: MatchingEngine };
}

export type App = ReturnType<typeof createPaperService>["app"];
