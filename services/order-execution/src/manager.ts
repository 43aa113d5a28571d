import {
  type BrokerAck,
  type EventBus,
  EventTypes,
  type ExecutionReport,
  type Fill,
  fx,
  nowNsString,
  type Order,
  type OrderRequest,
  type OrderStatus,
  type RiskDecision,
  type RpcTransport,
  Subjects,
  Topics,
} from "@jts/contracts";
import { AppError, envelope, type InstrumentCatalog, type Logger, newId, notFound } from "@jts/kit";
import { assertTransition, canTransition, isTerminal } from "./state-machine.ts";
import type { OrderStore } from "./store.ts";
import { validateAgainstInstrument } from "./validation.ts";

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
 * each order's state machine. Every state change is published as an Order.
 */
export class OrderManager {
  /** In-flight submits by idempotency key, so a concurrent duplicate waits for the first. */
  private readonly pending = new Map<string, Promise<SubmitResult>>();

  constructor(
    private readonly store: OrderStore,
    private readonly catalog: InstrumentCatalog,
    private readonly bus: EventBus,
    private readonly rpc: RpcTransport,
    private readonly logger: Logger,
    private readonly options: OrderManagerOptions,
  ) {}

  async submit(request: OrderRequest): Promise<SubmitResult> {
    const account = request.account ?? this.options.defaultAccount;
    const key = `${account}|${request.clientOrderId}`;
    const existing = this.store.findByClientId(account, request.clientOrderId);
    if (existing) return { order: { ...existing }, created: false };
    const inFlight = this.pending.get(key);
    if (inFlight) return { order: (await inFlight).order, created: false };
    const work = this.create(request, account);
    this.pending.set(key, work);
    try {
      const result = await work;
      return { order: { ...result.order }, created: result.created };
    } finally {
      this.pending.delete(key);
    }
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
    this.store.save(order);
    await this.publishOrder(order);

    const decision = await this.askRisk(order);
    if (!decision.approved) {
      await this.reject(order, `risk: ${decision.reason}`);
      return { order, created: true };
    }
    const broker = this.options.routes[order.venue];
    if (!broker) {
      await this.reject(order, `no broker routes venue ${order.venue}`);
      return { order, created: true };
    }
    let ack: BrokerAck;
    try {
      ack = await this.rpc.request<BrokerAck>(
        Subjects.brokerPlace(broker),
        { order },
        { timeoutMs: this.options.rpcTimeoutMs },
      );
    } catch (error) {
      await this.reject(order, `broker ${broker}: ${(error as Error).message}`);
      return { order, created: true };
    }
    if (!ack.accepted) await this.reject(order, `broker ${broker}: ${ack.reason ?? "refused"}`);
    else {
      order.venueOrderId = ack.venueOrderId;
      if (order.status === "NEW") await this.transition(order, "ACCEPTED");
    }
    return { order, created: true };
  }

  async cancel(orderId: string, accounts?: string[]): Promise<Order> {
    const order = this.visible(orderId, accounts);
    if (isTerminal(order.status)) throw new AppError("CONFLICT", `order is ${order.status} and cannot be canceled`);
    const broker = this.options.routes[order.venue] as string;
    const ack = await this.rpc.request<BrokerAck>(
      Subjects.brokerCancel(broker),
      { orderId: order.id, account: order.account, symbol: order.symbol },
      { timeoutMs: this.options.rpcTimeoutMs },
    );
    if (!ack.accepted)
      throw new AppError("CONFLICT", `broker ${broker} refused the cancel: ${ack.reason ?? "no reason"}`);
    if (canTransition(order.status, "CANCELED")) await this.transition(order, "CANCELED");
    return { ...order };
  }

  get(orderId: string, accounts?: string[]): Order {
    return { ...this.visible(orderId, accounts) };
  }

  /** Folds one broker report into its order. Duplicates and late reports are no-ops. */
  async onReport(report: ExecutionReport): Promise<void> {
    const order = this.store.get(report.orderId);
    if (!order) {
      this.logger.warn("report for an unknown order", { orderId: report.orderId, kind: report.kind });
      return;
    }
    switch (report.kind) {
      case "ACCEPTED":
        if (order.status === "NEW") await this.transition(order, "ACCEPTED");
        return;
      case "FILL":
        if (report.fill) await this.applyFill(order, report);
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
        await this.transition(order, target);
        return;
      }
    }
  }

  private async applyFill(order: Order, report: ExecutionReport) {
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
    if (!this.store.addFill(fill)) return;
    const before = fx.toFixed(order.filledQuantity);
    const quantity = fx.toFixed(f.quantity);
    const filled = before + quantity;
    const previousCost = order.averagePrice ? fx.mul(fx.toFixed(order.averagePrice), before) : 0n;
    order.averagePrice = fx.fromFixed(fx.div(previousCost + fx.mul(fx.toFixed(f.price), quantity), filled));
    order.filledQuantity = fx.fromFixed(filled);
    const target: OrderStatus = filled >= fx.toFixed(order.quantity) ? "FILLED" : "PARTIALLY_FILLED";
    if (!canTransition(order.status, target)) {
      this.logger.warn("fill on a closed order", { orderId: order.id, status: order.status });
    } else await this.transition(order, target, false);
    await this.bus.publish(
      Topics.fill,
      envelope(EventTypes.fill, "order-execution", order.account, fill, fill.tsEvent),
    );
    await this.publishOrder(order);
  }

  private visible(orderId: string, accounts?: string[]): Order {
    const order = this.store.get(orderId);
    if (!order || (accounts && !accounts.includes(order.account))) throw notFound(`order ${orderId}`);
    return order;
  }

  private async askRisk(order: Order): Promise<RiskDecision> {
    try {
      return await this.rpc.request<RiskDecision>(
        Subjects.riskCheck,
        { order },
        { timeoutMs: this.options.rpcTimeoutMs },
      );
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

  private async reject(order: Order, reason: string) {
    order.rejectReason = reason;
    await this.transition(order, "REJECTED");
  }

  private async transition(order: Order, to: OrderStatus, publish = true) {
    assertTransition(order.status, to);
    order.status = to;
    order.updatedAt = nowNsString();
    if (publish) await this.publishOrder(order);
  }

  private publishOrder(order: Order) {
    return this.bus.publish(
      Topics.orderUpdated,
      envelope(EventTypes.order, "order-execution", order.account, { ...order }),
    );
  }
}
