import {
  type ExecutionReport,
  nowNsString,
  type Order,
  orderReport,
  type RpcTransport,
  Subjects,
  type VenueOrder,
} from "@jts/contracts";
import { type Logger, rpcClient } from "@jts/kit";
import { missedFillReport } from "./reconcile.ts";
import type { OrderRepository } from "./repository.ts";
import type { BrokerRouter } from "./routing.ts";

export interface OutcomeLookupOptions {
  /** The first lookup's delay after the order went OUTCOME_UNKNOWN (250 ms). */
  firstLookupMs?: number;
  /** Each later lookup waits twice as long as the one before, up to this (30 s). */
  maxLookupMs?: number;
  /**
   * How long "the venue does not know this client order id" is taken as "not
   * yet" rather than "never" (60 s). A request stuck in a proxy or the
   * venue's queue can still be placed after the rpc timed out; Binance drops
   * a signed request older than its recvWindow (5 s by default), and KRX
   * brokers answer within seconds, so 60 s covers every venue with margin.
   * Measured from the moment the order went OUTCOME_UNKNOWN, which survives
   * a restart (the order's updatedAt).
   */
  notFoundGraceMs?: number;
}

export interface OutcomeLookupDeps {
  repository: OrderRepository;
  rpc: RpcTransport;
  router: BrokerRouter;
  logger: Logger;
  /** Folds a report into its order (OrderManager.onReport). */
  fold(report: ExecutionReport): Promise<void>;
  /** Records the venue's order id on an order the venue turned out to have. */
  adopt(orderId: string, venueOrderId: string): Promise<void>;
  /** The currency fees of a symbol are charged in (its quote currency). */
  quoteCurrency(symbol: string): string;
  timeoutMs?: number;
}

/**
 * Resolves OUTCOME_UNKNOWN orders: asks the order's broker for it by client
 * order id (rpc broker.<name>.query-order with our order id, which every
 * broker sends to its venue as the client order id) with exponential
 * backoff, until the venue answers. Found: fills the venue reports beyond
 * ours are folded first (reconciliation's deterministic fill), then its
 * status (ACCEPTED, or its final state; later fills come with the venue's own
 * reports and periodic reconciliation). Not found after the grace period: REJECTED,
 * because the venue never received it. An rpc error or timeout changes
 * nothing: the next lookup asks again. This is what NautilusTrader's live
 * execution engine does with in-flight orders (query the venue by client
 * order id, resolve as rejected only after a threshold with retries).
 */
export class OutcomeLookups {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private stopped = false;

  constructor(
    private readonly deps: OutcomeLookupDeps,
    private readonly options: OutcomeLookupOptions = {},
  ) {}

  /** Starts looking the order up unless that is under way already. */
  track(orderId: string): void {
    if (this.stopped || this.timers.has(orderId)) return;
    this.schedule(orderId, 0);
  }

  get tracking(): number {
    return this.timers.size;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(orderId: string, attempt: number): void {
    if (this.stopped) return;
    const first = this.options.firstLookupMs ?? 250;
    const delay = Math.min(this.options.maxLookupMs ?? 30_000, first * 2 ** Math.min(attempt, 20));
    const timer = setTimeout(() => {
      void this.lookUp(orderId)
        .catch((error: unknown) => {
          this.deps.logger.warn("order lookup failed; asking again", { orderId, error: (error as Error).message });
          return false;
        })
        .then((resolved) => {
          this.timers.delete(orderId);
          if (!resolved) this.schedule(orderId, attempt + 1);
        });
    }, delay);
    this.timers.set(orderId, timer);
  }

  /** One lookup; true when the order is no longer OUTCOME_UNKNOWN. */
  async lookUp(orderId: string): Promise<boolean> {
    if (this.stopped) return true;
    const order = await this.deps.repository.get(orderId);
    if (order?.status !== "OUTCOME_UNKNOWN") return true;
    const broker = await this.deps.router.brokerFor(order);
    if (!broker) return false;
    const venue = await rpcClient(this.deps.rpc, this.deps.timeoutMs ?? 5000).call(Subjects.brokerQueryOrder(broker), {
      account: order.account,
      symbol: order.symbol,
      orderId: order.id,
    });
    if (venue === null) return this.notFound(order);
    await this.found(order, venue);
    return true;
  }

  private async notFound(order: Order): Promise<boolean> {
    const waited = (BigInt(nowNsString()) - BigInt(order.updatedAt)) / 1_000_000n;
    if (waited < BigInt(this.options.notFoundGraceMs ?? 60_000)) return false;
    this.deps.logger.warn("the venue never received an order whose outcome was unknown: rejected", {
      orderId: order.id,
    });
    await this.deps.fold(
      orderReport(order, "REJECTED", {
        // Why its outcome was unknown stays in the reason: a lost answer, or routing lost while NEW.
        reason: `the venue has no order with this client order id after ${waited} ms${order.rejectReason ? ` (${order.rejectReason})` : ""}`,
        tsEvent: nowNsString(),
      }),
    );
    return true;
  }

  private async found(order: Order, venue: VenueOrder): Promise<void> {
    this.deps.logger.info("the venue answered for an order whose outcome was unknown", {
      orderId: order.id,
      venueStatus: venue.status,
    });
    await this.deps.adopt(order.id, venue.venueOrderId);
    // Fills first, then the final state: a CANCELED/EXPIRED answer with fills (an IOC or MARKET order
    // partly filled, its ack and fill reports lost) would otherwise close the order with them unbooked,
    // and reconciliation looks at working orders only. The same deterministic fill as reconciliation's,
    // so the venue's own late reports (or a second look) book nothing twice.
    const missed = missedFillReport(order, venue, this.deps.quoteCurrency(order.symbol));
    if (missed) await this.deps.fold(missed);
    if (venue.status === "REJECTED" || venue.status === "CANCELED" || venue.status === "EXPIRED") {
      await this.deps.fold(
        orderReport(order, venue.status, {
          reason: `the venue reports the order ${venue.status}`,
          tsEvent: nowNsString(),
        }),
      );
      return;
    }
    // The venue has it: working, or filled. Fills are the venue's own reports' to book (each once,
    // by its trade id); a FILLED answer without them is left ACCEPTED until they, or reconciliation, come.
    await this.deps.fold(orderReport(order, "ACCEPTED", { tsEvent: nowNsString() }));
  }
}
