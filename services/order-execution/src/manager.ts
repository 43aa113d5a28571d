import {
  type Alert,
  type AmendFields,
  ackOutcome,
  type BrokerAck,
  type CancelAllRequest,
  EventTypes,
  type ExecutionReport,
  type Fill,
  type FillsQuery,
  fx,
  LIST_PAGE_DEFAULT,
  nowNsString,
  type Order,
  type OrderQuery,
  type OrderRequest,
  type OrderStatus,
  type Quote,
  RISK_ENGINE_ACTOR,
  type RiskCheckRequest,
  type RiskDecision,
  type RpcTransport,
  type SessionEnd,
  Subjects,
  type Tick,
  Topics,
  type TradingStateChange,
  utcMidnight,
  type VenueOrder,
} from "@jts/contracts";
import {
  AppError,
  envelope,
  type InstrumentCatalog,
  type Logger,
  newId,
  notFound,
  type RpcClient,
  rpcClient,
} from "@jts/kit";
import { protectiveStops } from "./protective.ts";
import { alertEvent, type ReconcileSummary, reconcile, uncoveredPart } from "./reconcile.ts";
import type { InsertResult, OrderRepository, OrderTransaction } from "./repository.ts";
import { BrokerRouter, type RoutingOptions } from "./routing.ts";
import {
  assertTransition,
  canReopen,
  canTransition,
  isTerminal,
  statusAfterFill,
  WORKING_STATUSES,
} from "./state-machine.ts";
import { isStopOrder, LocalStopBook, releasedOrder } from "./stops.ts";
import { type OutcomeLookupOptions, OutcomeLookups } from "./unknown-outcomes.ts";
import { requestDifferences, reusedClientOrderId, validateAgainstInstrument } from "./validation.ts";

/** The consumer name under which processed execution-report ids are recorded. */
export const REPORT_CONSUMER = "order-execution";

export interface OrderManagerOptions extends RoutingOptions {
  defaultAccount: string;
  rpcTimeoutMs?: number;
  /** When DAY stops the OMS holds expire; the next UTC midnight by default. */
  sessionEnd?: SessionEnd;
  /** An automatic HALT keeps the reduce-only protective stops (on by default). */
  haltKeepsProtectiveStops?: boolean;
  /** How OUTCOME_UNKNOWN orders are looked up at their venue (backoff, grace before "never received"). */
  outcomeLookups?: OutcomeLookupOptions;
  /**
   * How old a NEW order may grow before it is too old to send (60 s): far
   * beyond a route's risk and place timeouts. Older, one no process routes is
   * looked up at its venue by reconciliation, and a restart looks it up
   * rather than sending it. With one OMS process (the supported deployment)
   * only an order whose routing was lost grows this old.
   */
  staleNewMs?: number;
}

/**
 * Refusals of a triggered stop's release that do not stop a reduce-only
 * protective stop: a stop-loss must not be lost to a HALT, a risk outage or a
 * spent submit rate, the moments it is there for.
 */
const PROTECTIVE_RELEASE_RULES = new Set([
  "TRADING_HALTED",
  "RISK_UNAVAILABLE",
  "STRATEGY_SUBMIT_RATE",
  "ACCOUNT_SUBMIT_RATE",
]);

/** How often, and how patiently, an amend asks the venue what a canceled order had filled (0.1+0.2+0.4+0.8 s). */
const VENUE_FILLED_ATTEMPTS = 5;
const VENUE_FILLED_BACKOFF_MS = 100;

/** An amend's replacement as risk approved it: its order id and the largest quantity approved. */
interface Approval {
  id: string;
  quantity: string;
  /** The account's HALT epoch when risk approved: a risk.state change since means ask risk again. */
  epoch: number;
  /** The amend this approval belongs to: HALT and cancel-all stop it before its replacement is sent. */
  amend: AmendInFlight;
}

/** A cancel-replace amend between its risk approval and its replacement's placement. */
interface AmendInFlight {
  account: string;
  symbol: string;
  oldOrderId: string;
  /** Why a HALT or cancel-all stopped it (no replacement is sent); null while it may go on. */
  stopped: string | null;
}

/** Why an order is refused whose account's mode picked another broker by the time risk approved it. */
export const MODE_CHANGED =
  "account mode changed while the order was checked; submit it again as a new order (a new clientOrderId)";

/** How many taken `.r<n>` ids an amend steps over before it gives up. */
const MAX_REPLACEMENT_IDS = 100;

export interface SubmitResult {
  order: Order;
  /** False when the clientOrderId was seen before and the old order is returned. */
  created: boolean;
}

/**
 * The OMS: validates, deduplicates by clientOrderId, asks risk, routes to the
 * broker of the order's venue and folds the broker's execution reports into
 * each order's state machine. Every state change is saved together with the
 * Order (and Fill) events that announce it, in one repository transaction;
 * no transaction stays open across an rpc call.
 */
export class OrderManager {
  /** In-flight submits by idempotency key, so a concurrent duplicate waits for the first. */
  private readonly pending = new Map<string, Promise<SubmitResult>>();
  /** Orders this process is routing now (risk, then the broker): never taken for stale. */
  private readonly routing = new Set<string>();
  private readonly client: RpcClient;
  readonly router: BrokerRouter;
  /** Stops held here for brokers whose venue has none. */
  readonly stops: LocalStopBook;
  /** Resolves orders whose broker did not answer the place. */
  readonly outcomes: OutcomeLookups;
  /** What reconciliation has alerted about already: a standing problem is raised once, not every run. */
  private readonly reconcileAlerts = new Set<string>();
  /**
   * Each account's HALT epoch (key null: the platform's), counted up by every
   * risk.state change to HALTED or REDUCING: an approval risk gave before one
   * is asked again before anything is sent on it.
   */
  private readonly haltEpochs = new Map<string | null, number>();
  /** Cancel-replace amends in flight, by the old order's id. */
  private readonly amends = new Map<string, AmendInFlight>();
  /**
   * Orders a HALT or cancel-all reached while their placement was in flight
   * (NEW) or its outcome unknown, with the reason: refused if not sent yet,
   * canceled the moment the venue acknowledges them.
   */
  private readonly cancelOnAck = new Map<string, string>();

  constructor(
    private readonly repository: OrderRepository,
    private readonly catalog: InstrumentCatalog,
    private readonly rpc: RpcTransport,
    private readonly logger: Logger,
    private readonly options: OrderManagerOptions,
  ) {
    this.client = rpcClient(rpc, options.rpcTimeoutMs);
    this.router = new BrokerRouter(options, repository);
    this.stops = new LocalStopBook(options.sessionEnd ?? utcMidnight);
    this.outcomes = new OutcomeLookups(
      {
        repository,
        rpc,
        router: this.router,
        logger,
        fold: (report) => this.onReport(report),
        adopt: (orderId, venueOrderId) =>
          this.change(orderId, (order) => {
            order.venueOrderId ??= venueOrderId;
            return false;
          }).then(() => undefined),
        quoteCurrency: (symbol) => this.catalog.find(symbol)?.quote ?? "KRW",
        timeoutMs: options.rpcTimeoutMs,
      },
      options.outcomeLookups,
    );
  }

  /**
   * Creates the order, or returns the one its clientOrderId names already
   * when the request is the same (a retry); a different request under a used
   * clientOrderId is refused with 409 naming that order. `reuse: "existing"`
   * returns the named order whatever it is (amend's search for a free id).
   * `approval`: an amend's replacement risk approved before the old order was canceled.
   */
  async submit(
    request: OrderRequest,
    options: { reuse?: "conflict" | "existing"; approval?: Approval } = {},
  ): Promise<SubmitResult> {
    const result = await this.findOrSubmit(request, options.approval);
    if (result.created || options.reuse === "existing") return result;
    const differences = requestDifferences(result.order, request);
    if (differences.length > 0) throw reusedClientOrderId(result.order, differences);
    return result;
  }

  private async findOrSubmit(request: OrderRequest, approval?: Approval): Promise<SubmitResult> {
    const account = request.account ?? this.options.defaultAccount;
    const key = `${account}|${request.clientOrderId}`;
    const inFlight = this.pending.get(key);
    if (inFlight) return { order: { ...(await inFlight).order }, created: false };
    const work = this.findOrCreate(request, account, approval);
    this.pending.set(key, work);
    try {
      const result = await work;
      return { order: { ...result.order }, created: result.created };
    } finally {
      this.pending.delete(key);
    }
  }

  /**
   * No lookup before a new order: the insert finds a used clientOrderId itself
   * (ON CONFLICT in PostgreSQL), and a lookup cost every order one more round
   * trip before risk. Only a request that fails validation is looked up, so a
   * retry of an order taken under an older instrument spec still gets it back.
   */
  private async findOrCreate(request: OrderRequest, account: string, approval?: Approval): Promise<SubmitResult> {
    let order: Order;
    try {
      order = this.newValidOrder(request, account, approval);
    } catch (error) {
      const existing = await this.repository.findByClientId(account, request.clientOrderId);
      if (existing) return { order: existing, created: false };
      throw error;
    }
    return this.create(order, approval);
  }

  private newValidOrder(request: OrderRequest, account: string, approval?: Approval): Order {
    const spec = this.catalog.spec(request.symbol);
    validateAgainstInstrument(request, spec);
    const instrument = spec?.instrument;
    const venue = request.venue ?? (instrument?.venue as Order["venue"]);
    if (instrument && venue !== instrument.venue)
      throw new AppError("VALIDATION", `${request.symbol} trades on ${instrument.venue}, not ${venue}`);
    return newOrder(request, { id: approval?.id ?? newId(), account, venue, now: nowNsString() });
  }

  /**
   * Stores the order bound to the broker its account's mode picks now (in
   * memory, no rpc), so routing it after risk writes nothing more. A mode that
   * cannot be read leaves it unbound: it is bound after risk, as a resumed order is.
   */
  private async create(order: Order, approval?: Approval): Promise<SubmitResult> {
    const picked = await this.router.byMode(order).catch(() => undefined);
    const inserted = await this.repository
      .create(order, this.orderEvent(order), picked ?? null)
      .catch((error: unknown) => this.committedAnyway(order, error));
    // Another process stored this clientOrderId first (bound as it picked) and is routing it.
    if (!inserted.created) return inserted;
    return { order: await this.route(order, approval, picked), created: true };
  }

  /**
   * The insert answered with an error, which may have come after it committed
   * (a connection dropped after COMMIT). Stored under this order's own fresh
   * id, it is ours and nobody else routes it: it goes on now, not a minute
   * later as a stale NEW order. Anything else rethrows the error.
   */
  private async committedAnyway(order: Order, error: unknown): Promise<InsertResult> {
    const stored = await this.repository.findByClientId(order.account, order.clientOrderId).catch(() => undefined);
    if (stored?.id !== order.id || stored.status !== "NEW") throw error;
    this.logger.warn("an order insert failed after it committed; routing the order", {
      orderId: order.id,
      error: (error as Error).message,
    });
    return { order: stored, created: true };
  }

  /**
   * Orders still NEW when the OMS starts were stored but maybe never routed
   * (a crash between the insert and the broker's answer). They are routed
   * again; brokers are idempotent by order id, so one that did reach the
   * venue is not placed twice, and its reports complete it. One older than
   * staleNewMs is not sent this late: it is looked up (lookUpLeftNew).
   */
  async resumeNew(beforeResuming?: () => Promise<void>): Promise<number> {
    const stuck = await this.repository.list({ status: "NEW" });
    if (stuck.length > 0) await beforeResuming?.();
    for (const listed of stuck) {
      // Read again: the wait above, and each route before this one, let redelivered reports
      // (the venue had it before the crash), a cancel or a HALT move it on; only a NEW one is sent.
      const order = await this.repository.get(listed.id);
      if (order?.status !== "NEW") continue;
      if (this.tooOldToSend(order)) {
        const why = `left NEW by the last run, created over ${this.staleNewMs() / 1000} s ago`;
        await this.lookUpLeftNew(order, why).catch((error: unknown) =>
          this.logger.error("resume failed", { orderId: order.id, error: (error as Error).message }),
        );
        continue;
      }
      this.logger.warn("resuming an order left NEW", { orderId: order.id, clientOrderId: order.clientOrderId });
      await this.route(order).catch((error: unknown) =>
        this.logger.error("resume failed", { orderId: order.id, error: (error as Error).message }),
      );
    }
    return stuck.length;
  }

  /**
   * Risk, then the order's broker (by the account's mode, bound to the order);
   * a stop for a venue without stops is held here instead. `picked`: the
   * broker a new order was stored bound to (see brokerOnceApproved); absent
   * for one resumed after a restart. Returns the order as it stands afterwards.
   */
  private async route(order: Order, approval?: Approval, picked?: string | null): Promise<Order> {
    this.routing.add(order.id);
    try {
      return await this.routeOnce(order, approval, picked);
    } finally {
      this.routing.delete(order.id);
    }
  }

  private async routeOnce(order: Order, approval?: Approval, picked?: string | null): Promise<Order> {
    // An amend's replacement asked again still names the old order: risk may not have heard it canceled yet.
    const decision = this.stillApproved(order, approval) ? null : await this.askRisk(order, approval?.amend.oldOrderId);
    // The rule code in brackets (the PWA labels it in the trader's language); the reason stays the server's words.
    if (decision && !decision.approved)
      return this.refuse(order.id, `risk: ${decision.rule ? `[${decision.rule}] ` : ""}${decision.reason}`);
    const routed = await this.brokerOnceApproved(order, picked);
    if ("refused" in routed) return this.refuse(order.id, routed.refused);
    if ("lookUp" in routed) return this.outcomeUnknown(order.id, routed.lookUp);
    const { broker } = routed;
    // Right before it leaves: a HALT or cancel-all may have landed during the awaits above.
    const stopped = this.cancelOnAck.get(order.id) ?? approval?.amend.stopped;
    if (stopped) {
      this.cancelOnAck.delete(order.id);
      return this.refuse(order.id, `${stopped} before it was sent`);
    }
    if (isStopOrder(order) && !this.router.holdsStops(broker)) return this.hold(order);
    return this.place(order.id, order, broker);
  }

  /**
   * Where an order risk approved goes. A new order was stored bound to
   * `picked`, read before risk answered: the account's mode is read again now
   * (in memory), and the order goes there, with no write, only while the mode
   * still picks it. A mode that changed while risk decided refuses the order:
   * it never goes to a broker chosen under a stale mode, nor is it silently
   * rebound. Without `picked` (resumed after a restart, or its mode unreadable
   * at creation) it follows its stored binding, or is bound now (router.bind):
   * after a restart the mode book may not have loaded yet, and a bound order
   * may have reached its broker before the crash.
   */
  private async brokerOnceApproved(
    order: Order,
    picked: string | null | undefined,
  ): Promise<{ broker: string } | { refused: string } | { lookUp: string }> {
    let broker: string | null;
    let now: string | null;
    try {
      broker = picked === undefined ? await this.router.bind(order) : await this.router.byMode(order);
      now = picked === undefined ? await this.router.byMode(order) : broker;
    } catch (error) {
      return { refused: `account mode unknown: ${(error as Error).message}` };
    }
    if (picked !== undefined && broker !== picked) return { refused: MODE_CHANGED };
    // Resumed, bound (at its insert, maybe before risk answered) to a broker the account's mode no longer
    // picks: it may or may not have left before the restart. Asked there (OUTCOME_UNKNOWN), never placed
    // again: a disarmed account's order must not go to its LIVE venue, nor a LIVE account's to paper.
    if (broker && now !== broker)
      return { lookUp: `bound to broker ${broker} before a restart, the account's mode now picks ${now ?? "none"}` };
    if (!broker) return { refused: `no broker routes venue ${order.venue}` };
    return { broker };
  }

  /**
   * Risk approved an amend's replacement before the old order was canceled:
   * it is not asked again unless the replacement is larger than approved or a
   * risk.state change (HALTED, REDUCING) came since (the HALT epoch moved).
   */
  private stillApproved(order: Order, approval?: Approval): boolean {
    if (!approval) return false;
    return (
      fx.toFixed(order.quantity) <= fx.toFixed(approval.quantity) && this.haltEpoch(order.account) === approval.epoch
    );
  }

  private haltEpoch(account: string): number {
    return (this.haltEpochs.get(null) ?? 0) + (this.haltEpochs.get(account) ?? 0);
  }

  /**
   * Sends `sent` (the order, or what a released stop became) to the broker and
   * folds its ack. Only the venue's refusal rejects the order: no answer (an
   * rpc error or timeout, or a broker that cannot tell) may mean the venue has
   * it, so the order goes OUTCOME_UNKNOWN and is looked up at the venue.
   */
  private async place(orderId: string, sent: Order, broker: string): Promise<Order> {
    let ack: BrokerAck;
    try {
      // The order was built from a request its contract checked at submit: in-process, not checked again.
      ack = await this.client.call(Subjects.brokerPlace(broker), { order: sent }, { checked: true });
    } catch (error) {
      return this.outcomeUnknown(orderId, `broker ${broker}: ${(error as Error).message}`);
    }
    const outcome = ackOutcome(ack);
    if (outcome === "UNKNOWN") return this.outcomeUnknown(orderId, `broker ${broker}: ${ack.reason ?? "no answer"}`);
    if (outcome === "REFUSED")
      return this.cancelIfStopped(await this.refuse(orderId, `broker ${broker}: ${ack.reason ?? "refused"}`));
    // A fast venue's fill may have been folded in already: only a NEW order becomes ACCEPTED, or one another
    // replica took for stale meanwhile (OUTCOME_UNKNOWN; its clock ahead of ours): the ack is the venue's word.
    const placed = await this.change(orderId, (current) => {
      current.venueOrderId = ack.venueOrderId;
      if (current.status !== "NEW" && current.status !== "OUTCOME_UNKNOWN") return false;
      current.rejectReason = null;
      this.transition(current, "ACCEPTED");
      return true;
    });
    return this.cancelIfStopped(placed);
  }

  /**
   * An order a HALT or cancel-all reached before the venue acknowledged it is
   * canceled the moment it is acknowledged (by its place ack, a report, or the
   * lookup of its unknown outcome). Returns the order as it then stands.
   */
  private async cancelIfStopped(order: Order): Promise<Order> {
    const reason = this.cancelOnAck.get(order.id);
    if (reason === undefined) return order;
    if (isTerminal(order.status)) {
      this.cancelOnAck.delete(order.id);
      return order;
    }
    if (order.status === "NEW" || order.status === "OUTCOME_UNKNOWN") return order;
    this.cancelOnAck.delete(order.id);
    this.logger.warn("canceling an order acknowledged after a HALT or cancel-all", { orderId: order.id, reason });
    try {
      await this.cancelAtVenue(order);
      return await this.markCanceled(order.id, reason);
    } catch (error) {
      await this.raise(
        order.account,
        "Order acknowledged after a cancel could not be canceled",
        `${order.side} ${order.quantity} ${order.symbol} (${order.clientOrderId}): ${reason}, but the cancel failed: ${(error as Error).message}`,
      );
      return (await this.repository.get(order.id)) ?? order;
    }
  }

  /**
   * The place may or may not have reached the venue. A NEW order (a released
   * stop is ACCEPTED here already and stays so) goes OUTCOME_UNKNOWN with the
   * reason kept; either way it is looked up at the venue until it answers.
   */
  private async outcomeUnknown(orderId: string, reason: string): Promise<Order> {
    this.logger.warn("order outcome unknown; looking it up at the venue", { orderId, reason });
    const order = await this.change(orderId, (current) => {
      if (current.status !== "NEW") return false;
      current.rejectReason = reason;
      this.transition(current, "OUTCOME_UNKNOWN");
      return true;
    });
    if (order.status === "OUTCOME_UNKNOWN") this.outcomes.track(order.id);
    return order;
  }

  /** After a restart: every order left OUTCOME_UNKNOWN is looked up again. */
  async resumeUnknown(): Promise<number> {
    const unknown = await this.repository.list({ status: "OUTCOME_UNKNOWN" });
    for (const order of unknown) this.outcomes.track(order.id);
    return unknown.length;
  }

  /** Accepts a stop and keeps it here until the market reaches it. */
  private async hold(order: Order): Promise<Order> {
    const accepted = await this.change(order.id, (current) => {
      if (current.status !== "NEW") return false;
      this.transition(current, "ACCEPTED");
      return true;
    });
    if (accepted.status === "ACCEPTED") this.stops.add(accepted);
    return accepted;
  }

  /** Feeds the held stops; the triggered ones go to their broker. */
  async onQuote(quote: Quote): Promise<void> {
    if (this.stops.size > 0) await this.releaseAll(this.stops.onQuote(quote));
  }

  async onTick(tick: Tick): Promise<void> {
    if (this.stops.size > 0) await this.releaseAll(this.stops.onTick(tick));
  }

  private async releaseAll(triggered: Order[]): Promise<void> {
    for (const held of triggered) {
      const order = await this.repository.get(held.id);
      if (order?.status !== "ACCEPTED") continue;
      const broker = await this.router.brokerFor(order).catch(() => null);
      this.logger.info("stop triggered", { orderId: order.id, stopPrice: order.stopPrice, broker });
      const released = releasedOrder(order);
      if (!broker) {
        await this.announceTrigger(order, "no broker to send it to");
        await this.refuse(order.id, `no broker routes venue ${order.venue}`);
        continue;
      }
      // Risk approved the stop when it was placed, for that moment's state; what leaves now is the
      // MARKET/LIMIT order it became, in today's state (REDUCING/HALTED pass only a reducing one).
      const decision = await this.askRisk(released);
      const protectiveAnyway =
        !decision.approved && PROTECTIVE_RELEASE_RULES.has(decision.rule ?? "") && (await this.protectiveInHalt(order));
      if (!decision.approved && !protectiveAnyway) {
        const reason = `stop triggered but risk refused its release: ${decision.reason}`;
        await this.announceTrigger(order, `not sent: risk refused it (${decision.reason})`);
        await this.markCanceled(order.id, reason);
        await this.raise(order.account, "Triggered stop canceled by risk", `${order.clientOrderId}: ${reason}`);
        continue;
      }
      await this.announceTrigger(order, `sent to the venue as ${released.type}`);
      await this.place(order.id, released, broker);
    }
  }

  /**
   * Risk refuses every order while HALTED, and when it does not answer or the
   * submit rate is spent a refusal says nothing about the stop itself: a
   * triggered stop still goes when it is a reduce-only protective stop (protective.ts, the rule by which an
   * automatic HALT kept it): it can only shrink the position. Not with
   * `haltKeepsProtectiveStops` off, nor when the positions cannot be read.
   */
  private async protectiveInHalt(stop: Order): Promise<boolean> {
    if (!(this.options.haltKeepsProtectiveStops ?? true)) return false;
    const working = await this.working({ account: stop.account, symbol: stop.symbol });
    const others = working.filter((order) => order.id !== stop.id);
    try {
      // consistent: the stored positions, not a portfolio replica's memory that may not have heard a close yet.
      const positions = await this.client.call(Subjects.positions, { accounts: [stop.account], consistent: true });
      return protectiveStops([stop, ...others], positions).has(stop.id);
    } catch (error) {
      this.logger.warn("positions unknown: a triggered stop is not proven protective", {
        orderId: stop.id,
        error: (error as Error).message,
      });
      return false;
    }
  }

  /** Expires the DAY stops held here whose session has ended. */
  async expireHeldStops(now: bigint = BigInt(nowNsString())): Promise<Order[]> {
    const expired: Order[] = [];
    for (const held of this.stops.expired(now))
      expired.push(
        await this.change(held.id, (current) => {
          if (!canTransition(current.status, "EXPIRED")) return false;
          this.transition(current, "EXPIRED");
          return true;
        }),
      );
    return expired;
  }

  /** After a restart: the stops this OMS held go back into its stop book. */
  async loadHeldStops(): Promise<number> {
    let loaded = 0;
    for (const order of await this.repository.list({ status: "ACCEPTED" })) {
      if (!isStopOrder(order) || order.venueOrderId !== null) continue;
      const broker = await this.router.brokerFor(order).catch(() => null);
      if (broker && !this.router.holdsStops(broker)) {
        this.stops.add(order);
        loaded++;
      }
    }
    return loaded;
  }

  /** Start-up reconciliation with every broker (see reconcile.ts); after loadHeldStops. */
  async reconcile(settleMs = 0): Promise<ReconcileSummary> {
    await this.lookUpStaleNew();
    return reconcile({
      repository: this.repository,
      rpc: this.rpc,
      router: this.router,
      logger: this.logger,
      fold: (report) => this.onReport(report),
      heldLocally: (orderId) => this.stops.has(orderId),
      lookUpOutcome: (orderId) => this.outcomes.track(orderId),
      reopen: (orderId) => this.reopen(orderId),
      raised: this.reconcileAlerts,
      quoteCurrency: (symbol) => this.catalog.find(symbol)?.quote ?? "KRW",
      timeoutMs: this.options.rpcTimeoutMs,
      settleMs,
    });
  }

  /**
   * NEW orders no process is routing any more: stored, but their routing was
   * lost in a running process (the insert committed and its answer never came
   * back, or the replica routing it died and no restart resumed it). Each is
   * looked up at its venue, never placed this late (lookUpLeftNew). Errors
   * are per order: one does not stop the reconciliation that follows.
   */
  private async lookUpStaleNew(): Promise<number> {
    let taken = 0;
    for (const order of await this.repository.list({ status: "NEW" })) {
      if (!this.tooOldToSend(order) || this.routing.has(order.id)) continue;
      const why = `left NEW for over ${this.staleNewMs() / 1000} s with no process routing it`;
      await this.lookUpLeftNew(order, why)
        .then((took) => void (took && taken++))
        .catch((error: unknown) =>
          this.logger.error("stale NEW order not looked up", { orderId: order.id, error: (error as Error).message }),
        );
    }
    return taken;
  }

  private staleNewMs(): number {
    return this.options.staleNewMs ?? 60_000;
  }

  /** Older than staleNewMs by its createdAt: too old to go to a venue now, on prices that have moved since. */
  private tooOldToSend(order: Order): boolean {
    return BigInt(order.createdAt) < BigInt(nowNsString()) - BigInt(this.staleNewMs()) * 1_000_000n;
  }

  /**
   * A NEW order nothing will send: it may or may not have reached its broker
   * before its routing was lost, and it is old. It goes OUTCOME_UNKNOWN and is
   * looked up at its venue (found: adopted; never received: REJECTED after the
   * lookup's grace), with an alert, so the trader learns why it did not trade.
   * True when this call moved it.
   */
  private async lookUpLeftNew(order: Order, why: string): Promise<boolean> {
    // outcomeUnknown moves only a NEW order and starts its lookup; listed NEW, so OUTCOME_UNKNOWN now means moved.
    const now = await this.outcomeUnknown(order.id, `${why}; looked up at its venue`);
    if (now.status !== "OUTCOME_UNKNOWN") return false;
    await this.raise(
      order.account,
      "Order left NEW: looked up at its venue, not sent late",
      `${order.side} ${order.quantity} ${order.symbol} (${order.clientOrderId}): ${why}. Found at the venue it is adopted; never received it is REJECTED.`,
    );
    return true;
  }

  /** Reconciliation's correction of a closed order its venue works (canReopen); null when it may not reopen. */
  private async reopen(orderId: string): Promise<Order | null> {
    let reopened = false;
    const order = await this.change(orderId, (current) => {
      const to: OrderStatus = fx.toFixed(current.filledQuantity) > 0n ? "PARTIALLY_FILLED" : "ACCEPTED";
      if (!canReopen(current.status, to)) return false;
      this.logger.warn("reopening an order its venue works", { orderId, from: current.status, to });
      current.status = to;
      current.rejectReason = null;
      current.updatedAt = nowNsString();
      reopened = true;
      // Published: risk reserves it again, the PWA and the stream show it working.
      return true;
    });
    return reopened ? order : null;
  }

  /**
   * Cancels one order. An OUTCOME_UNKNOWN order is not refused: see
   * cancelUnknown. `reason` is what a cancel left pending is later done for.
   */
  async cancel(orderId: string, accounts?: string[], reason = "canceled by request"): Promise<Order> {
    const order = await this.visible(orderId, accounts);
    if (isTerminal(order.status)) throw new AppError("CONFLICT", `order is ${order.status} and cannot be canceled`);
    if (order.status === "OUTCOME_UNKNOWN") return this.cancelUnknown(order, reason);
    await this.cancelAtVenue(order);
    return this.markCanceled(order.id, null);
  }

  /**
   * An order whose place may still reach the venue: the cancel is sent now
   * (the venue may have it), and whatever the venue says it is also recorded
   * to be done on acknowledgement, so its lookup, or a late ack or report,
   * cancels it the moment the venue turns out to have it (as a broker's OMS
   * does with a cancel of a pending-new order). A refusal (the venue does not
   * know it yet) or no answer is not an error: the order is returned as it
   * stands, still OUTCOME_UNKNOWN, its cancel pending. Forgetting the cancel
   * would let the order go live after the trader canceled it.
   */
  private async cancelUnknown(order: Order, reason: string): Promise<Order> {
    this.cancelOnAck.set(order.id, reason);
    try {
      await this.cancelAtVenue(order);
    } catch (error) {
      this.logger.info("cancel of an order whose outcome is unknown left pending until the venue has it", {
        orderId: order.id,
        error: (error as Error).message,
      });
      // Its lookup may have resolved it meanwhile: then it is canceled here.
      return this.cancelIfStopped((await this.repository.get(order.id)) ?? order);
    }
    this.cancelOnAck.delete(order.id);
    return this.markCanceled(order.id, null);
  }

  /**
   * Takes a held stop off the book, or asks the order's broker to cancel it.
   * Throws CONFLICT when the broker refuses (the order filled or closed
   * meanwhile). `broker` is null for a held stop: the venue never had it.
   */
  private async cancelAtVenue(order: Order): Promise<{ broker: string | null; ack: BrokerAck | null }> {
    if (this.stops.remove(order.id)) return { broker: null, ack: null };
    const broker = await this.router.brokerFor(order);
    if (!broker) throw new AppError("CONFLICT", `no broker routes venue ${order.venue}`);
    const ack = await this.client.call(Subjects.brokerCancel(broker), {
      orderId: order.id,
      account: order.account,
      symbol: order.symbol,
    });
    if (!ack.accepted)
      throw new AppError("CONFLICT", `broker ${broker} refused the cancel: ${ack.reason ?? "no reason"}`);
    return { broker, ack };
  }

  /** CANCELED, with `note` kept as the order's reason (why an amend sent no replacement). */
  private markCanceled(orderId: string, note: string | null): Promise<Order> {
    return this.change(orderId, (current) => {
      if (!canTransition(current.status, "CANCELED")) {
        if (note === null || current.rejectReason === note) return false;
        current.rejectReason = note;
        return true;
      }
      if (note !== null) current.rejectReason = note;
      this.transition(current, "CANCELED");
      return true;
    });
  }

  /**
   * Cancels every working order of an account and/or symbol (all when neither
   * is given), within `accounts` when the caller is scoped. An order that
   * cannot be canceled (it filled meanwhile) is logged and skipped.
   */
  async cancelAll(request: Omit<CancelAllRequest, "accounts"> & { accounts?: string[] }): Promise<Order[]> {
    this.stopAmends(request, new Set(), "canceled by cancel-all");
    return this.cancelEach(await this.working(request), "canceled by cancel-all");
  }

  /** Marks the in-flight amends in scope (but those of `keep`) stopped: their replacements are never sent. */
  private stopAmends(
    request: Omit<CancelAllRequest, "accounts"> & { accounts?: string[] },
    keep: Set<string>,
    reason: string,
  ): void {
    const { account, symbol, accounts } = request;
    for (const amend of this.amends.values()) {
      if (keep.has(amend.oldOrderId) || amend.stopped !== null) continue;
      if (account !== undefined && amend.account !== account) continue;
      if (accounts && !accounts.includes(amend.account)) continue;
      if (symbol !== undefined && amend.symbol !== symbol) continue;
      amend.stopped = reason;
    }
  }

  private async working(request: Omit<CancelAllRequest, "accounts"> & { accounts?: string[] }): Promise<Order[]> {
    const { account, symbol, accounts } = request;
    const scope = account === undefined ? accounts : [account].filter((a) => !accounts || accounts.includes(a));
    if (scope?.length === 0) return [];
    // NEW too: an order whose placement (or risk check) is in flight is as live as a working one.
    const statuses = ["NEW", ...WORKING_STATUSES] as const;
    return (
      await Promise.all(statuses.map((status) => this.repository.list({ status, symbol, accounts: scope })))
    ).flat();
  }

  /**
   * Cancels each order. One still NEW (its risk check or place in flight) is
   * not sent if it has not left yet and is canceled when its ack comes; one
   * OUTCOME_UNKNOWN is canceled at the venue when the venue has it, else when
   * its lookup finds it. Those are returned as they stand now.
   */
  private async cancelEach(orders: Order[], reason: string): Promise<Order[]> {
    const canceled: Order[] = [];
    for (const order of orders) {
      if (order.status === "NEW") {
        this.cancelOnAck.set(order.id, reason);
        // Its ack may have come between the listing and now: then it is canceled here.
        const current = await this.repository.get(order.id);
        canceled.push(current ? await this.cancelIfStopped(current) : order);
        continue;
      }
      try {
        canceled.push(await this.cancel(order.id, undefined, reason));
      } catch (error) {
        this.logger.warn("cancel-all skipped an order", { orderId: order.id, error: (error as Error).message });
      }
    }
    return canceled;
  }

  /**
   * Amends a working order; `quantity` is the new total, fills included.
   * Risk approves the amended order before anything is touched: a refusal
   * leaves the old order working as it was. Then, by the broker's capability
   * (`nativeAmend`), the venue amends the same order in place (KIS 정정,
   * Creon modify), or the order is canceled and replaced: the replacement's
   * quantity is the new total minus what the VENUE says it had filled when it
   * canceled (the cancel ack, else its order lookup), never the OMS's own
   * count, which may lag a fill in flight. So the old order's late fills plus
   * the replacement never exceed the new total; when the venue had filled the
   * new total already, no replacement is sent and the old order says why.
   * The replacement's clientOrderId is the old one with `.r<n>` (the first
   * free n). Returns the amended order: the same one, the replacement, or the
   * canceled old one when no replacement was due.
   */
  async amend(orderId: string, changes: AmendFields, accounts?: string[]): Promise<Order> {
    const old = await this.visible(orderId, accounts);
    if (isTerminal(old.status)) throw new AppError("CONFLICT", `order is ${old.status} and cannot be amended`);
    if (changes.quantity === undefined && changes.price === undefined && changes.stopPrice === undefined)
      throw new AppError("VALIDATION", "nothing to amend: give quantity, price or stopPrice");
    const total = fx.toFixed(changes.quantity ?? old.quantity);
    const replacement = (filled: string, clientOrderId = replacementClientId(old.clientOrderId)): OrderRequest => ({
      clientOrderId,
      account: old.account,
      venue: old.venue,
      symbol: old.symbol,
      side: old.side,
      type: old.type,
      quantity: fx.fromFixed(total - fx.toFixed(filled)),
      ...optional("price", changes.price ?? old.price),
      ...optional("stopPrice", changes.stopPrice ?? old.stopPrice),
      timeInForce: old.timeInForce,
      ...optional("strategyId", old.strategyId),
    });
    if (total <= fx.toFixed(old.filledQuantity))
      throw new AppError("CONFLICT", `the new quantity must exceed what is filled already (${old.filledQuantity})`);
    // Before the cancel: a replacement the instrument refuses must not cost the trader the old order.
    validateAgainstInstrument(replacement(old.filledQuantity), this.catalog.spec(old.symbol));

    const held = this.stops.has(old.id);
    const broker = held ? null : await this.router.brokerFor(old);
    // 정정/modify move the price of the unfilled remainder; a new quantity or stop price is a new order.
    const native =
      broker !== null &&
      this.router.amendsNatively(broker) &&
      changes.stopPrice === undefined &&
      total === fx.toFixed(old.quantity);
    // What risk sees: the order as it will stand, the same order for a native amend, else the replacement.
    const proposed: Order = native
      ? { ...old, quantity: fx.fromFixed(total), price: changes.price ?? old.price }
      : newOrder(replacement(old.filledQuantity), {
          id: newId(),
          account: old.account,
          venue: old.venue,
          now: nowNsString(),
        });
    const epoch = this.haltEpoch(old.account);
    // A cancel-replace tells risk which working order the replacement takes the place of.
    const decision = await this.askRisk(proposed, native ? undefined : old.id);
    if (!decision.approved)
      throw new AppError("CONFLICT", `risk refused the amend (the order keeps working unchanged): ${decision.reason}`, {
        rule: decision.rule,
      });
    if (native) return this.amendAtVenue(old, broker, proposed);
    const inFlight: AmendInFlight = { account: old.account, symbol: old.symbol, oldOrderId: old.id, stopped: null };
    this.amends.set(old.id, inFlight);
    try {
      return await this.cancelReplace(old, total, replacement, {
        id: proposed.id,
        quantity: proposed.quantity,
        epoch,
        amend: inFlight,
      });
    } finally {
      if (this.amends.get(old.id) === inFlight) this.amends.delete(old.id);
    }
  }

  /** The cancel-replace half of amend: cancel at the venue, then the replacement for what is left. */
  private async cancelReplace(
    old: Order,
    total: bigint,
    replacement: (filled: string, clientOrderId?: string) => OrderRequest,
    approval: Approval,
  ): Promise<Order> {
    const startedAt = BigInt(nowNsString());
    const canceled = await this.cancelAtVenue(old);
    // A held stop never reached the venue: the OMS's count is the whole truth.
    const filled = canceled.broker === null ? old.filledQuantity : await this.venueFilled(old, canceled);
    if (filled === null)
      return this.noReplacement(old, "the venue did not confirm what it had filled when it canceled");
    if (total <= fx.toFixed(filled))
      return this.noReplacement(
        old,
        `the venue had filled ${filled} by the cancel, at or over the new total ${fx.fromFixed(total)}`,
      );
    // A HALT or cancel-all came while the venue canceled: the replacement it approved before is not sent.
    if (approval.amend.stopped !== null) return this.noReplacement(old, approval.amend.stopped);
    await this.markCanceled(old.id, null);
    // Approved above for the OMS's count; the venue's is never smaller, so the replacement only shrinks.
    return this.submitReplacement(old, startedAt, (clientOrderId) => replacement(filled, clientOrderId), approval);
  }

  /** The amend ends with the old order canceled and nothing in its place: the order says why, and an alert too. */
  private async noReplacement(old: Order, why: string): Promise<Order> {
    const note = `amend: ${why}; no replacement sent`;
    const canceled = await this.markCanceled(old.id, note);
    await this.raise(
      old.account,
      "Amend sent no replacement",
      `${old.side} ${old.symbol} ${old.clientOrderId}: ${note}`,
    );
    return canceled;
  }

  /**
   * What the venue had executed of `order` when it canceled it: the cancel
   * ack's figure when it gives one, else the venue's answer to an order lookup
   * once that shows the order closed (asked a few times with backoff, as a
   * venue like Upbit closes a canceled order a moment after its answer).
   * Null when the venue never says: the caller then sends no replacement.
   */
  private async venueFilled(order: Order, canceled: { broker: string | null; ack: BrokerAck | null }) {
    if (canceled.ack?.filledQuantity !== undefined) return canceled.ack.filledQuantity;
    const broker = canceled.broker as string;
    const query = {
      account: order.account,
      symbol: order.symbol,
      orderId: order.id,
      ...(order.venueOrderId === null ? {} : { venueOrderId: order.venueOrderId }),
    };
    for (let attempt = 0; attempt < VENUE_FILLED_ATTEMPTS; attempt++) {
      if (attempt > 0) await Bun.sleep(VENUE_FILLED_BACKOFF_MS * 2 ** (attempt - 1));
      try {
        const venue = await this.client.call(Subjects.brokerQueryOrder(broker), query);
        if (venue && isTerminal(venue.status)) return venue.filledQuantity;
      } catch (error) {
        this.logger.warn("order lookup after a cancel failed", { orderId: order.id, error: (error as Error).message });
      }
    }
    return null;
  }

  /**
   * The venue amends the order in place (KIS 정정, Creon modify): same order,
   * new price and/or total. The venue applies it to what is unfilled at that
   * moment, so a fill in flight cannot take the order over its new total; a
   * refusal (it filled meanwhile) leaves the order as it was.
   */
  private async amendAtVenue(old: Order, broker: string, amended: Order): Promise<Order> {
    let ack: BrokerAck;
    try {
      ack = await this.client.call(Subjects.brokerAmend(broker), {
        orderId: old.id,
        account: old.account,
        symbol: old.symbol,
        quantity: amended.quantity,
        price: amended.price,
      });
    } catch (error) {
      // No answer, but the venue may have amended: it says which price the order works at.
      ack = await this.amendOutcome(old, broker, amended, error as Error);
    }
    if (!ack.accepted) {
      // Risk reserved for the amended order when it approved it: the unchanged order, republished with
      // a fresh updatedAt, tells it at once that the order works as before.
      await this.change(old.id, (current) => {
        current.updatedAt = nowNsString();
        return true;
      });
      throw new AppError(
        "CONFLICT",
        `broker ${broker} refused the amend (the order keeps working unchanged): ${ack.reason ?? "no reason"}`,
      );
    }
    return this.change(old.id, (current) => {
      current.quantity = amended.quantity;
      current.price = amended.price;
      if (ack.venueOrderId !== null) current.venueOrderId = ack.venueOrderId;
      if (fx.toFixed(current.filledQuantity) >= fx.toFixed(current.quantity) && canTransition(current.status, "FILLED"))
        this.transition(current, "FILLED");
      else current.updatedAt = nowNsString();
      return true;
    });
  }

  /**
   * After an amend rpc that got no answer: the venue's view of the order. At
   * the new price it amended (accepted, under the number it now works); at any
   * other it did not (refused, nothing changes). When the venue cannot say
   * either, the error stands: the order is left as the OMS knew it, and
   * reconciliation or the next report settles it.
   */
  private async amendOutcome(old: Order, broker: string, amended: Order, error: Error): Promise<BrokerAck> {
    let venue: VenueOrder | null = null;
    try {
      venue = await this.client.call(Subjects.brokerQueryOrder(broker), {
        account: old.account,
        symbol: old.symbol,
        orderId: old.id,
      });
    } catch {
      throw new AppError(
        "UNAVAILABLE",
        `broker ${broker} did not answer the amend (${error.message}); outcome unknown`,
      );
    }
    if (venue === null)
      throw new AppError(
        "UNAVAILABLE",
        `broker ${broker} did not answer the amend (${error.message}); outcome unknown`,
      );
    const amendedThere =
      venue.price !== null && amended.price !== null && fx.toFixed(venue.price) === fx.toFixed(amended.price);
    return {
      orderId: old.id,
      accepted: amendedThere,
      venueOrderId: venue.venueOrderId,
      reason: amendedThere ? null : `no answer (${error.message}) and the venue still works it at ${venue.price}`,
      tsEvent: nowNsString(),
    };
  }

  /** A warning on alert.raised, through the repository so it leaves with the outbox like every other event. */
  private async raise(account: string, title: string, message: string, extra: Partial<Alert> = {}) {
    if (extra.severity === "INFO") this.logger.info(title, { account, message });
    else this.logger.warn(title, { account, message });
    await this.repository.transaction(async (tx) => {
      tx.emit(Topics.alert, alertEvent(account, title, message, extra));
    });
  }

  /** STOP_TRIGGERED on alert.raised, naming the order: the PWA marks its row and lists it with the alerts. */
  private announceTrigger(order: Order, what: string): Promise<void> {
    const stop = `${order.side} ${order.quantity} ${order.symbol} stop ${order.stopPrice}`;
    return this.raise(order.account, "Stop triggered", `${stop} (${order.clientOrderId}) triggered: ${what}`, {
      kind: "STOP_TRIGGERED",
      severity: "INFO",
      orderId: order.id,
    });
  }

  /**
   * Submits the replacement under the first free `.r<n>` id. An id taken
   * before this amend began belongs to another order (the trader's own, an
   * earlier amend), which submit's dedup would return instead: the old order
   * is canceled already, so the next id is tried. One taken since, for the same
   * symbol and side, is the replacement of a concurrent amend of this order (a
   * retried request, another replica): it is the answer, not a second order.
   */
  private async submitReplacement(
    old: Order,
    startedAt: bigint,
    request: (clientOrderId: string) => OrderRequest,
    approval: Approval,
  ): Promise<Order> {
    let clientOrderId = replacementClientId(old.clientOrderId);
    for (let attempt = 1; ; attempt++) {
      const { order, created } = await this.submit(request(clientOrderId), { reuse: "existing", approval });
      const concurrent = BigInt(order.createdAt) >= startedAt && order.symbol === old.symbol && order.side === old.side;
      if (created || concurrent) return order;
      if (attempt === MAX_REPLACEMENT_IDS)
        throw new AppError("CONFLICT", `no free replacement clientOrderId up to ${clientOrderId}`);
      clientOrderId = replacementClientId(clientOrderId);
    }
  }

  /**
   * HALTED with cancelOpenOrders: the working orders in the change's scope
   * are canceled. A HALT risk raised by itself (a daily-loss or drawdown
   * breach) keeps the reduce-only protective stops (protective.ts), unless
   * `haltKeepsProtectiveStops` is off: a halted account still gets out of a
   * falling position. An operator's HALT, like cancel-all, cancels everything.
   */
  async onTradingState(change: TradingStateChange): Promise<Order[]> {
    // Every tightening moves the epoch, synchronously on arrival: approvals given before it are asked again.
    if (change.state !== "ACTIVE") this.haltEpochs.set(change.account, (this.haltEpochs.get(change.account) ?? 0) + 1);
    if (change.state !== "HALTED" || !change.cancelOpenOrders) return [];
    const scope = change.account === null ? {} : { account: change.account };
    const working = await this.working(scope);
    const automatic = change.changedBy === RISK_ENGINE_ACTOR;
    const keep: Set<string> =
      automatic && (this.options.haltKeepsProtectiveStops ?? true) ? await this.protectiveAmong(working) : new Set();
    const reason = `canceled by HALT (${change.reason})`;
    this.stopAmends(scope, keep, reason);
    const canceled = await this.cancelEach(
      working.filter((order) => !keep.has(order.id)),
      reason,
    );
    this.logger.warn("trading HALTED: open orders canceled", {
      account: change.account ?? "platform",
      count: canceled.length,
      keptProtectiveStops: [...keep],
      reason: change.reason,
    });
    return canceled;
  }

  /** The protective stops among `working`, by the portfolio's positions; none when it cannot say (no stop is proven reduce-only). */
  private async protectiveAmong(working: Order[]): Promise<Set<string>> {
    const accounts = [...new Set(working.filter(isStopOrder).map((order) => order.account))];
    if (accounts.length === 0) return new Set();
    try {
      // consistent: a stop is judged reduce-only against the stored positions, not a replica's memory.
      return protectiveStops(working, await this.client.call(Subjects.positions, { accounts, consistent: true }));
    } catch (error) {
      const message = `positions unknown (${(error as Error).message}): stops canceled with the rest`;
      for (const account of accounts) await this.raise(account, "HALT could not keep protective stops", message);
      return new Set();
    }
  }

  get(orderId: string, accounts?: string[]): Promise<Order> {
    return this.visible(orderId, accounts);
  }

  /** One page, newest first (`LIST_PAGE_DEFAULT` orders unless `limit` says otherwise), after `before` when given. */
  list(query: OrderQuery = {}): Promise<Order[]> {
    return this.repository.list({ ...query, limit: query.limit ?? LIST_PAGE_DEFAULT });
  }

  /** One page of fills, newest first, like `list`. */
  listFills(query: FillsQuery = {}): Promise<Fill[]> {
    return this.repository.listFills({ ...query, limit: query.limit ?? LIST_PAGE_DEFAULT });
  }

  /**
   * Folds one broker report into its order. Duplicates and late reports are
   * no-ops; with `eventId` the report is recorded as processed in the same
   * transaction, so a redelivery is skipped even after a restart.
   */
  async onReport(report: ExecutionReport, eventId?: string): Promise<void> {
    const firstStopFill = await this.repository.transaction(async (tx): Promise<Order | undefined> => {
      if (eventId !== undefined && !(await tx.markProcessed(REPORT_CONSUMER, eventId))) return;
      const order = await tx.lock(report.orderId);
      if (!order) {
        this.logger.warn("report for an unknown order", { orderId: report.orderId, kind: report.kind });
        return;
      }
      switch (report.kind) {
        case "ACCEPTED":
          if (order.status === "NEW" || order.status === "OUTCOME_UNKNOWN") {
            if (order.status === "OUTCOME_UNKNOWN") order.rejectReason = null;
            this.transition(order, "ACCEPTED");
            await this.save(tx, order);
          }
          return;
        case "FILL": {
          if (!report.fill) return;
          const before = order.filledQuantity;
          const applied = await this.applyFill(tx, order, report);
          return applied && isStopOrder(order) && fx.toFixed(before) === 0n ? order : undefined;
        }
        case "CANCELED":
        case "EXPIRED":
        case "REJECTED": {
          const target: OrderStatus = report.kind;
          if (order.status === target) return;
          if (!canTransition(order.status, target)) {
            this.logger.warn("ignored illegal report", { orderId: order.id, from: order.status, to: target });
            return;
          }
          if (target === "REJECTED") order.rejectReason = report.reason;
          this.transition(order, target);
          await this.save(tx, order);
          return;
        }
      }
    });
    if (firstStopFill) await this.announceVenueTrigger(firstStopFill, report);
    if (this.cancelOnAck.has(report.orderId)) {
      const order = await this.repository.get(report.orderId);
      if (order) await this.cancelIfStopped(order);
    }
  }

  /**
   * A stop the venue held (not this OMS) triggered there: its first fill is
   * the news, as venues send no trigger report of their own. A stop this OMS
   * held was announced when it released it.
   */
  private async announceVenueTrigger(order: Order, report: ExecutionReport): Promise<void> {
    const broker = await this.router.brokerFor(order).catch(() => null);
    if (!broker || !this.router.holdsStops(broker)) return;
    const fill = report.fill as NonNullable<ExecutionReport["fill"]>;
    await this.announceTrigger(order, `first fill at the venue, ${fill.quantity} @ ${fill.price}`);
  }

  /** Folds one fill into its order; false when the fill was booked before (a duplicate report). */
  private async applyFill(tx: OrderTransaction, order: Order, report: ExecutionReport): Promise<boolean> {
    const fill = fillOf(order, report);
    const reported = fx.toFixed(fill.quantity);
    const part = await uncoveredPart(tx, order, report.fill as NonNullable<ExecutionReport["fill"]>);
    const toBook = part.quantity;
    if (toBook < reported) {
      this.logger.warn("fill booked by reconciliation already, in part or whole; only the rest is booked", {
        orderId: order.id,
        fillId: fill.id,
        reported: fill.quantity,
        booked: fx.fromFixed(toBook),
      });
      if (toBook === 0n) return false;
      // The fee follows the part booked: reconciliation's fill carried none for the part it stood in for.
      fill.fee = fx.fromFixed(fx.div(fx.mul(fx.toFixed(fill.fee), toBook), reported));
      fill.quantity = fx.fromFixed(toBook);
      // Priced so the report's whole cost is right, not at its average (uncoveredPart).
      fill.price = fx.fromFixed(part.price);
    }
    if (!(await tx.addFill(fill))) return false;
    const before = fx.toFixed(order.filledQuantity);
    const quantity = fx.toFixed(fill.quantity);
    const filled = before + quantity;
    const previous = order.averagePrice ? fx.toFixed(order.averagePrice) : 0n;
    order.averagePrice = fx.fromFixed(fx.weightedAverage(before, previous, quantity, fx.toFixed(fill.price)));
    order.filledQuantity = fx.fromFixed(filled);
    // A fill is a fact: whatever the order's state, the fill is booked (once, by its id) and the
    // state follows it. A state the fill contradicts (REJECTED, a CANCELED order now complete) is corrected.
    const from = order.status;
    const { status, corrected } = statusAfterFill(from, filled, fx.toFixed(order.quantity));
    if (corrected) {
      this.logger.warn("a fill corrected the order's state", { orderId: order.id, from, to: status });
      order.status = status;
      order.updatedAt = nowNsString();
      tx.emit(
        Topics.alert,
        alertEvent(
          order.account,
          "Order state corrected by a fill",
          `order ${order.id} (${order.clientOrderId}) was ${from} but the venue filled ${fill.quantity} ${order.symbol}; now ${status}`,
        ),
      );
    } else if (canTransition(from, status)) this.transition(order, status);
    await tx.update(order);
    tx.emit(Topics.fill, envelope(EventTypes.fill, "order-execution", order.account, fill, fill.tsEvent));
    tx.emit(Topics.orderUpdated, this.orderEvent(order));
    return true;
  }

  private async visible(orderId: string, accounts?: string[]): Promise<Order> {
    const order = await this.repository.get(orderId);
    if (!order || (accounts && !accounts.includes(order.account))) throw notFound(`order ${orderId}`);
    return order;
  }

  /** risk.check's request (RiskCheckRequest); `replaces` only on a cancel-replace amend, absent otherwise. */
  private async askRisk(order: Order, replaces?: string): Promise<RiskDecision> {
    const request: RiskCheckRequest = { order, ...(replaces === undefined ? {} : { replaces }) };
    try {
      return await this.client.call(Subjects.riskCheck, request, { checked: true });
    } catch (error) {
      // No answer from risk means no trade: fail closed.
      return {
        approved: false,
        rule: "RISK_UNAVAILABLE",
        reason: `risk check failed: ${(error as Error).message}`,
        tsEvent: nowNsString(),
      };
    }
  }

  /**
   * The order cannot go on: REJECTED while the venue never had it, CANCELED
   * (with the reason kept) when it was ACCEPTED already, as a held stop whose
   * release the broker refused.
   */
  private refuse(orderId: string, reason: string): Promise<Order> {
    return this.change(orderId, (order) => {
      const target: OrderStatus = canTransition(order.status, "REJECTED") ? "REJECTED" : "CANCELED";
      if (!canTransition(order.status, target)) return false;
      order.rejectReason = reason;
      this.transition(order, target);
      return true;
    });
  }

  /**
   * Applies `apply` to the current, locked order and saves it; publishes the
   * Order when `apply` says the change is news.
   */
  private change(orderId: string, apply: (order: Order) => boolean): Promise<Order> {
    return this.repository.transaction(async (tx) => {
      const order = await tx.lock(orderId);
      if (!order) throw notFound(`order ${orderId}`);
      const before = { ...order };
      const publish = apply(order);
      if (changed(before, order)) await tx.update(order);
      if (publish) tx.emit(Topics.orderUpdated, this.orderEvent(order));
      return order;
    });
  }

  private async save(tx: OrderTransaction, order: Order) {
    await tx.update(order);
    tx.emit(Topics.orderUpdated, this.orderEvent(order));
  }

  private transition(order: Order, to: OrderStatus) {
    assertTransition(order.status, to);
    order.status = to;
    order.updatedAt = nowNsString();
  }

  private orderEvent(order: Order) {
    return envelope(EventTypes.order, "order-execution", order.account, { ...order });
  }
}

/**
 * Whether `after` differs from `before` as their JSON would: an Order's fields
 * are strings and nulls, so comparing them one by one tells without
 * serializing the order twice (`change` runs on every ack and fill).
 */
export function changed(before: Order, after: Order): boolean {
  const was = before as Record<string, unknown>;
  const is = after as Record<string, unknown>;
  for (const key in is) if (was[key] !== is[key]) return true;
  for (const key in was) if (!(key in is) && was[key] !== undefined) return true;
  return false;
}

/** `c-1` -> `c-1.r1` -> `c-1.r2`, kept within the 64 characters an Id may have. */
export function replacementClientId(clientOrderId: string): string {
  const match = /^(.*)\.r(\d+)$/.exec(clientOrderId);
  const base = match ? (match[1] as string) : clientOrderId;
  const suffix = `.r${match ? Number(match[2]) + 1 : 1}`;
  return `${base.slice(0, 64 - suffix.length)}${suffix}`;
}

function optional<K extends string>(key: K, value: string | null): { [P in K]?: string } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: string };
}

/** Identity and timing a new order gets besides what its request says. */
export interface NewOrderFields {
  id: string;
  account: string;
  venue: Order["venue"];
  /** Creation time, ns digit string. */
  now: string;
}

/** The NEW order an OrderRequest opens; the OMS and the backtest build orders only through this. */
export function newOrder(request: OrderRequest, fields: NewOrderFields): Order {
  return {
    id: fields.id,
    clientOrderId: request.clientOrderId,
    account: fields.account,
    venue: fields.venue,
    symbol: request.symbol,
    side: request.side,
    type: request.type,
    timeInForce: request.timeInForce ?? (request.type === "MARKET" ? "IOC" : "GTC"),
    quantity: request.quantity,
    price: request.price ?? null,
    stopPrice: request.stopPrice ?? null,
    filledQuantity: "0",
    averagePrice: null,
    status: "NEW",
    rejectReason: null,
    strategyId: request.strategyId ?? null,
    venueOrderId: null,
    createdAt: fields.now,
    updatedAt: fields.now,
  };
}

/** The Fill a FILL report makes of its order; the OMS and the backtest book fills only through this. */
export function fillOf(order: Order, report: ExecutionReport): Fill {
  const fill = report.fill as NonNullable<ExecutionReport["fill"]>;
  return {
    id: fill.fillId,
    orderId: order.id,
    clientOrderId: order.clientOrderId,
    account: order.account,
    venue: order.venue,
    symbol: order.symbol,
    side: order.side,
    price: fill.price,
    quantity: fill.quantity,
    fee: fill.fee,
    feeCurrency: fill.feeCurrency,
    liquidity: fill.liquidity,
    strategyId: order.strategyId,
    tsEvent: report.tsEvent,
  };
}
