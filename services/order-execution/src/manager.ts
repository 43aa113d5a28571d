import {
  type BrokerAck,
  EventTypes,
  type ExecutionReport,
  type Fill,
  fx,
  nowNsString,
  type Order,
  type OrderQuery,
  type OrderRequest,
  type OrderStatus,
  type RiskDecision,
  type RpcTransport,
  Subjects,
  Topics,
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
import type { OrderRepository, OrderTransaction } from "./repository.ts";
import { assertTransition, canTransition, isTerminal } from "./state-machine.ts";
import { validateAgainstInstrument } from "./validation.ts";

/** The consumer name under which processed execution-report ids are recorded. */
export const REPORT_CONSUMER = "order-execution";

export interface OrderManagerOptions {
  /** venue -> broker service name; `sim` routes to `paper` by default. */
  routes: Record<string, string>;
  defaultAccount: string;
  rpcTimeoutMs?: number;
}

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
  private readonly client: RpcClient;

  constructor(
    private readonly repository: OrderRepository,
    private readonly catalog: InstrumentCatalog,
    private readonly rpc: RpcTransport,
    private readonly logger: Logger,
    private readonly options: OrderManagerOptions,
  ) {
    this.client = rpcClient(rpc, options.rpcTimeoutMs);
  }

  async submit(request: OrderRequest): Promise<SubmitResult> {
    const account = request.account ?? this.options.defaultAccount;
    const key = `${account}|${request.clientOrderId}`;
    const inFlight = this.pending.get(key);
    if (inFlight) return { order: { ...(await inFlight).order }, created: false };
    const work = this.findOrCreate(request, account);
    this.pending.set(key, work);
    try {
      const result = await work;
      return { order: { ...result.order }, created: result.created };
    } finally {
      this.pending.delete(key);
    }
  }

  private async findOrCreate(request: OrderRequest, account: string): Promise<SubmitResult> {
    const existing = await this.repository.findByClientId(account, request.clientOrderId);
    if (existing) return { order: existing, created: false };
    return this.create(request, account);
  }

  private async create(request: OrderRequest, account: string): Promise<SubmitResult> {
    const instrument = this.catalog.find(request.symbol);
    validateAgainstInstrument(request, instrument);
    const venue = request.venue ?? (instrument?.venue as Order["venue"]);
    if (instrument && venue !== instrument.venue)
      throw new AppError("VALIDATION", `${request.symbol} trades on ${instrument.venue}, not ${venue}`);
    const now = nowNsString();
    const order: Order = {
      id: newId(),
      clientOrderId: request.clientOrderId,
      account,
      venue,
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
      createdAt: now,
      updatedAt: now,
    };
    const inserted = await this.repository.transaction(async (tx) => {
      const result = await tx.insert(order);
      if (result.created) tx.emit(Topics.orderUpdated, this.orderEvent(result.order));
      return result;
    });
    // Another process stored this clientOrderId first and is routing it.
    if (!inserted.created) return inserted;
    return { order: await this.route(order), created: true };
  }

  /**
   * Orders still NEW when the OMS starts were stored but maybe never routed
   * (a crash between the insert and the broker's answer). They are routed
   * again; brokers are idempotent by order id, so one that did reach the
   * venue is not placed twice, and its reports complete it.
   */
  async resumeNew(): Promise<number> {
    const stuck = await this.repository.list({ status: "NEW" });
    for (const order of stuck) {
      this.logger.warn("resuming an order left NEW", { orderId: order.id, clientOrderId: order.clientOrderId });
      await this.route(order).catch((error: unknown) =>
        this.logger.error("resume failed", { orderId: order.id, error: (error as Error).message }),
      );
    }
    return stuck.length;
  }

  /** Risk, then the broker of the order's venue; returns the order as it stands afterwards. */
  private async route(order: Order): Promise<Order> {
    const decision = await this.askRisk(order);
    if (!decision.approved) return this.reject(order.id, `risk: ${decision.reason}`);
    const broker = this.options.routes[order.venue];
    if (!broker) return this.reject(order.id, `no broker routes venue ${order.venue}`);
    let ack: BrokerAck;
    try {
      ack = await this.rpc.request<BrokerAck>(
        Subjects.brokerPlace(broker),
        { order },
        { timeoutMs: this.options.rpcTimeoutMs },
      );
    } catch (error) {
      return this.reject(order.id, `broker ${broker}: ${(error as Error).message}`);
    }
    if (!ack.accepted) return this.reject(order.id, `broker ${broker}: ${ack.reason ?? "refused"}`);
    // A fast venue's fill may have been folded in already: only a NEW order becomes ACCEPTED.
    return this.change(order.id, (current) => {
      current.venueOrderId = ack.venueOrderId;
      if (current.status !== "NEW") return false;
      this.transition(current, "ACCEPTED");
      return true;
    });
  }

  async cancel(orderId: string, accounts?: string[]): Promise<Order> {
    const order = await this.visible(orderId, accounts);
    if (isTerminal(order.status)) throw new AppError("CONFLICT", `order is ${order.status} and cannot be canceled`);
    const broker = this.options.routes[order.venue] as string;
    const ack = await this.rpc.request<BrokerAck>(
      Subjects.brokerCancel(broker),
      { orderId: order.id, account: order.account, symbol: order.symbol },
      { timeoutMs: this.options.rpcTimeoutMs },
    );
    if (!ack.accepted)
      throw new AppError("CONFLICT", `broker ${broker} refused the cancel: ${ack.reason ?? "no reason"}`);
    return this.change(order.id, (current) => {
      if (!canTransition(current.status, "CANCELED")) return false;
      this.transition(current, "CANCELED");
      return true;
    });
  }

  get(orderId: string, accounts?: string[]): Promise<Order> {
    return this.visible(orderId, accounts);
  }

  list(query: OrderQuery = {}): Promise<Order[]> {
    return this.repository.list(query);
  }

  listFills(accounts?: string[]): Promise<Fill[]> {
    return this.repository.listFills(accounts);
  }

  /**
   * Folds one broker report into its order. Duplicates and late reports are
   * no-ops; with `eventId` the report is recorded as processed in the same
   * transaction, so a redelivery is skipped even after a restart.
   */
  async onReport(report: ExecutionReport, eventId?: string): Promise<void> {
    await this.repository.transaction(async (tx) => {
      if (eventId !== undefined && !(await tx.markProcessed(REPORT_CONSUMER, eventId))) return;
      const order = await tx.lock(report.orderId);
      if (!order) {
        this.logger.warn("report for an unknown order", { orderId: report.orderId, kind: report.kind });
        return;
      }
      switch (report.kind) {
        case "ACCEPTED":
          if (order.status === "NEW") {
            this.transition(order, "ACCEPTED");
            await this.save(tx, order);
          }
          return;
        case "FILL":
          if (report.fill) await this.applyFill(tx, order, report);
          return;
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
  }

  private async applyFill(tx: OrderTransaction, order: Order, report: ExecutionReport) {
    const f = report.fill as NonNullable<ExecutionReport["fill"]>;
    const fill: Fill = {
      id: f.fillId,
      orderId: order.id,
      clientOrderId: order.clientOrderId,
      account: order.account,
      venue: order.venue,
      symbol: order.symbol,
      side: order.side,
      price: f.price,
      quantity: f.quantity,
      fee: f.fee,
      feeCurrency: f.feeCurrency,
      liquidity: f.liquidity,
      strategyId: order.strategyId,
      tsEvent: report.tsEvent,
    };
    if (!(await tx.addFill(fill))) return;
    const before = fx.toFixed(order.filledQuantity);
    const quantity = fx.toFixed(f.quantity);
    const filled = before + quantity;
    const previousCost = order.averagePrice ? fx.mul(fx.toFixed(order.averagePrice), before) : 0n;
    order.averagePrice = fx.fromFixed(fx.div(previousCost + fx.mul(fx.toFixed(f.price), quantity), filled));
    order.filledQuantity = fx.fromFixed(filled);
    const target: OrderStatus = filled >= fx.toFixed(order.quantity) ? "FILLED" : "PARTIALLY_FILLED";
    if (!canTransition(order.status, target)) {
      this.logger.warn("fill on a closed order", { orderId: order.id, status: order.status });
    } else this.transition(order, target);
    await tx.update(order);
    tx.emit(Topics.fill, envelope(EventTypes.fill, "order-execution", order.account, fill, fill.tsEvent));
    tx.emit(Topics.orderUpdated, this.orderEvent(order));
  }

  private async visible(orderId: string, accounts?: string[]): Promise<Order> {
    const order = await this.repository.get(orderId);
    if (!order || (accounts && !accounts.includes(order.account))) throw notFound(`order ${orderId}`);
    return order;
  }

  private async askRisk(order: Order): Promise<RiskDecision> {
    try {
      return await this.client.call(Subjects.riskCheck, { order });
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

  private reject(orderId: string, reason: string): Promise<Order> {
    return this.change(orderId, (order) => {
      order.rejectReason = reason;
      this.transition(order, "REJECTED");
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
      const before = JSON.stringify(order);
      const publish = apply(order);
      if (JSON.stringify(order) !== before) await tx.update(order);
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
