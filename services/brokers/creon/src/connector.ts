import { hostname } from "node:os";
import {
  brokerAck,
  credentialTag,
  type PlacedOrder as KnownOrder,
  krxCashOrderProblem,
  kstToEpochMs,
  orderClientConnector,
  orderReport,
  PLACED_ORDER_TTL_MS,
  PlacedOrders,
  type Placement,
  refusedPlacement,
  type ServerClock,
  VenueError,
  type VenueSink,
} from "@jts/broker-kit";
import {
  type AmendOrderCommand,
  type Balance,
  type BrokerAck,
  type Cache,
  type CancelOrderCommand,
  type ExecutionReport,
  fromFixed,
  fx,
  type Lock,
  msToNs,
  nowNsString,
  type Order,
  type Position,
  type QueryOrderCommand,
  toFixed,
  type VenueOrder,
} from "@jts/contracts";
import { holdLeadership, type Leadership, type Logger, newId } from "@jts/kit";
import type { CreonSettings } from "./config.ts";
import { CREON_VENUE } from "./constants.ts";
import { type BridgeOrder, type ExecutionEvent, fromCreonCode, type OrderRequest, toCreonCode } from "./parse.ts";
import type { CreonBridgeClient } from "./rest.ts";
import { CreonStream } from "./stream.ts";

/** An order JTS placed through the bridge. */
interface PlacedOrder extends KnownOrder {
  /** The order numbers a modify moved the order off (oldest first); the current one is `ack.venueOrderId`. */
  superseded?: string[];
}

/**
 * Creon orders in contracts terms, through the bridge. Fills, cancels and
 * late refusals arrive as the bridge's `execution` events (CpConclusion),
 * which `onExecution` turns into ExecutionReports.
 */
export class CreonBroker {
  private readonly orders: PlacedOrders<PlacedOrder>;

  constructor(
    private readonly settings: CreonSettings,
    private readonly bridge: CreonBridgeClient,
    private readonly cache: Cache,
    private readonly logger: Logger,
  ) {
    this.orders = new PlacedOrders(cache, "creon");
  }

  async place(order: Order): Promise<Placement> {
    return this.orders.place(order, () => this.placeNew(order));
  }

  private async placeNew(order: Order): Promise<Placement> {
    const refuse = (reason: string) => refusedPlacement(order.id, reason);
    const problem = krxCashOrderProblem(order, { name: "Creon", account: this.settings.account });
    if (problem) return refuse(problem);

    const request: OrderRequest = {
      clientOrderId: order.id,
      account: this.settings.creonAccount,
      productCode: this.settings.productCode,
      side: order.side,
      code: toCreonCode(order.symbol),
      quantity: order.quantity,
      price: order.type === "MARKET" ? "0" : (order.price ?? "0"),
      orderType: order.type === "MARKET" ? "MARKET" : "LIMIT",
      condition: order.timeInForce === "IOC" ? "IOC" : order.timeInForce === "FOK" ? "FOK" : "NONE",
    };
    // Written before it leaves: a lookup after a lost answer needs the order to remember it by.
    await this.cache.set(this.sentKey(order.id), JSON.stringify(order), PLACED_ORDER_TTL_MS);
    let orderNumber: string;
    try {
      orderNumber = (await this.bridge.placeOrder(request)).orderNumber;
    } catch (error) {
      if (error instanceof VenueError && error.kind === "rejected") return refuse(error.message);
      throw error;
    }
    const ack = brokerAck(order.id, orderNumber, null);
    await this.orders.save({ order, ack });
    return { ack, reports: [orderReport("creon", order, "ACCEPTED", null, null)] };
  }

  async cancel(command: CancelOrderCommand): Promise<BrokerAck> {
    // An order whose place answer was lost is found first: a cancel of it must still reach Creon.
    const placed =
      (await this.orders.load(command.orderId)) ??
      ((await this.findSent(command.orderId)) ? await this.orders.load(command.orderId) : null);
    const answer = (reason: string | null) => brokerAck(command.orderId, placed?.ack.venueOrderId ?? null, reason);
    if (!placed?.ack.venueOrderId) return answer("Creon broker does not know this order");
    try {
      await this.bridge.cancelOrder(placed.ack.venueOrderId, {
        account: this.settings.creonAccount,
        productCode: this.settings.productCode,
        code: toCreonCode(placed.order.symbol),
        quantity: "0",
      });
    } catch (error) {
      if (error instanceof VenueError && error.kind === "rejected") return answer(error.message);
      throw error;
    }
    // CANCELED follows as an execution event once Creon confirms.
    return answer(null);
  }

  /**
   * Creon's modify (CpTd0313) of everything left to a new price: a fill in
   * flight cannot take the order past its quantity. Creon works the remainder
   * under a new order number; the order follows it there and still takes the
   * fills reported on its earlier numbers. A new quantity is refused (the OMS
   * cancel-replaces instead).
   */
  async amend(command: AmendOrderCommand): Promise<BrokerAck> {
    const placed = await this.orders.load(command.orderId);
    const current = placed?.ack.venueOrderId ?? null;
    const refuse = (reason: string) => brokerAck(command.orderId, current, reason);
    if (!placed || !current) return refuse("Creon broker does not know this order");
    if (placed.order.type !== "LIMIT" || command.price === null)
      return refuse("Creon modify moves a limit order's price; give a price");
    if (toFixed(command.quantity) !== toFixed(placed.order.quantity))
      return refuse("Creon modify moves the price of the unfilled remainder; a new quantity is a new order");
    let orderNumber: string;
    try {
      orderNumber = (
        await this.bridge.modifyOrder(current, {
          account: this.settings.creonAccount,
          productCode: this.settings.productCode,
          code: toCreonCode(placed.order.symbol),
          quantity: "0",
          price: command.price,
        })
      ).orderNumber;
    } catch (error) {
      if (error instanceof VenueError && error.kind === "rejected") return refuse(error.message);
      throw error;
    }
    placed.superseded = [...(placed.superseded ?? []), current];
    placed.ack = { ...placed.ack, venueOrderId: orderNumber };
    placed.order = { ...placed.order, price: command.price };
    await this.orders.save(placed);
    return brokerAck(command.orderId, orderNumber, null);
  }

  /** A CpConclusion event from the bridge; ACCEPTED was already reported with the ack. */
  async onExecution(event: ExecutionEvent): Promise<ExecutionReport[]> {
    if (event.kind === "ACCEPTED") return [];
    const placed = event.clientOrderId ? await this.orders.load(event.clientOrderId) : null;
    const earlier = placed?.superseded?.includes(event.orderNumber) ?? false;
    if (!placed || (placed.ack.venueOrderId !== event.orderNumber && !earlier)) {
      this.logger.info("Creon execution for an order JTS did not place", { orderNumber: event.orderNumber });
      return [];
    }
    // A number a modify moved the order off: its late fills count, its end is not the order's.
    if (earlier && event.kind !== "FILL") return [];
    if (event.kind === "FILL") {
      const cumulativeQuantity = await this.cumulativeOf(placed, event);
      return [
        orderReport("creon", placed.order, "FILL", null, {
          fillId: `${event.orderNumber}-${event.filledQuantity}`,
          price: event.price,
          quantity: event.quantity,
          // Creon settles commission and tax on the account, not per execution.
          fee: "0",
          feeCurrency: "KRW",
          liquidity: placed.order.type === "MARKET" ? "TAKER" : "MAKER",
          ...(cumulativeQuantity === undefined ? {} : { cumulativeQuantity }),
        }),
      ];
    }
    const { timeInForce } = placed.order;
    // Creon cancels what an IOC/FOK order could not fill at once: for JTS that is EXPIRED.
    if (event.kind === "CANCELED" && (timeInForce === "IOC" || timeInForce === "FOK"))
      return [
        orderReport("creon", placed.order, "EXPIRED", event.reason ?? `${timeInForce} remainder canceled by KRX`, null),
      ];
    return [orderReport("creon", placed.order, event.kind, event.reason, null)];
  }

  /**
   * What the JTS order had executed in all with this fill: the event's own
   * total under its number, plus what was executed under the numbers a modify
   * moved the order off before it. Those were worked first, so all their
   * fills came before this one; a later number's fills came after and do not
   * count. Those totals are asked of the bridge (only for a modified order),
   * not kept from events, so a lost or reordered event does not skew them.
   * When the bridge cannot say, the fill goes without a cumulative quantity
   * (booked as any such fill) rather than with a wrong one.
   */
  private async cumulativeOf(placed: PlacedOrder, event: ExecutionEvent): Promise<string | undefined> {
    const worked = [...(placed.superseded ?? []), placed.ack.venueOrderId];
    let total = toFixed(event.filledQuantity);
    try {
      for (const number of worked.slice(0, worked.indexOf(event.orderNumber))) {
        const earlier = number === null ? null : await this.bridge.getOrder(number);
        if (!earlier) return undefined;
        total += toFixed(earlier.filledQuantity);
      }
    } catch (error) {
      this.logger.warn("Creon fill reported without its cumulative quantity", {
        orderId: placed.order.id,
        orderNumber: event.orderNumber,
        error: String(error),
      });
      return undefined;
    }
    return fromFixed(total);
  }

  /**
   * The lookup by our order id. An order whose place answer was lost is
   * asked for by client order id (the bridge keeps it with the order
   * number); found, it is remembered as if the answer had come, so its
   * executions are reported from then on. Null when Creon has no such order.
   */
  async queryOrder(query: QueryOrderCommand): Promise<VenueOrder | null> {
    if (query.account !== this.settings.account) return null;
    const placed = query.orderId ? await this.orders.load(query.orderId) : null;
    const orderNumber = query.venueOrderId ?? placed?.ack.venueOrderId;
    if (!orderNumber) return query.orderId ? this.findSent(query.orderId) : null;
    const order = await this.bridge.getOrder(orderNumber);
    if (!order) return null;
    return placed?.superseded ? this.acrossNumbers(this.venueOrder(order), placed) : this.venueOrder(order);
  }

  /** A modified order as one order: its quantity, and the fills under every number it was worked under. */
  private async acrossNumbers(current: VenueOrder, placed: PlacedOrder): Promise<VenueOrder> {
    let filled = toFixed(current.filledQuantity);
    let cost = current.averagePrice ? fx.mul(toFixed(current.averagePrice), filled) : 0n;
    for (const number of placed.superseded ?? []) {
      const earlier = await this.bridge.getOrder(number);
      if (!earlier) continue;
      const earlierFilled = toFixed(earlier.filledQuantity);
      filled += earlierFilled;
      cost += earlier.averagePrice ? fx.mul(toFixed(earlier.averagePrice), earlierFilled) : 0n;
    }
    const quantity = toFixed(placed.order.quantity);
    return {
      ...current,
      orderId: placed.order.id,
      quantity: placed.order.quantity,
      filledQuantity: fromFixed(filled),
      averagePrice: filled > 0n ? fromFixed(fx.div(cost, filled)) : null,
      status: filled >= quantity && quantity > 0n ? "FILLED" : current.status,
    };
  }

  private async findSent(orderId: string): Promise<VenueOrder | null> {
    const sent = await this.cache.get(this.sentKey(orderId));
    if (!sent) return null;
    const found = await this.bridge.findOrder(orderId);
    if (!found) return null;
    await this.orders.save({ order: JSON.parse(sent) as Order, ack: brokerAck(orderId, found.orderNumber, null) });
    return this.venueOrder(found);
  }

  /** The order as it left, kept until Creon's answer or a lookup says what became of it. */
  private sentKey(orderId: string): string {
    return `creon:sent:${orderId}`;
  }

  async openOrders(account?: string): Promise<VenueOrder[]> {
    if (account !== undefined && account !== this.settings.account) return [];
    return Promise.all(
      (await this.bridge.openOrders()).map(async (o) => {
        const placed = o.clientOrderId ? await this.orders.load(o.clientOrderId) : null;
        return placed?.superseded ? this.acrossNumbers(this.venueOrder(o), placed) : this.venueOrder(o);
      }),
    );
  }

  async balances(account: string): Promise<Balance[]> {
    if (account !== this.settings.account) return [];
    const { cash } = await this.bridge.balance();
    const total = toFixed(cash.deposit);
    const free = fx.min(toFixed(cash.orderable), total);
    return [
      { account, currency: "KRW", total: fromFixed(total), free: fromFixed(free), locked: fromFixed(total - free) },
    ];
  }

  async positions(account: string): Promise<Position[]> {
    if (account !== this.settings.account) return [];
    const { holdings } = await this.bridge.balance();
    const now = nowNsString();
    return holdings.map((h) => ({
      account,
      symbol: fromCreonCode(h.code),
      venue: "creon" as const,
      quantity: h.quantity,
      averagePrice: fromFixed(fx.abs(toFixed(h.averagePrice))),
      realizedPnl: "0",
      unrealizedPnl: h.unrealizedPnl,
      lastPrice: h.lastPrice,
      currency: "KRW",
      updatedAt: now,
    }));
  }

  private venueOrder(o: BridgeOrder): VenueOrder {
    const filled = toFixed(o.filledQuantity);
    const status = o.status === "OPEN" ? (filled > 0n ? "PARTIALLY_FILLED" : "ACCEPTED") : o.status;
    return {
      orderId: o.clientOrderId,
      venueOrderId: o.orderNumber,
      account: this.settings.account,
      venue: "creon",
      symbol: fromCreonCode(o.code),
      side: o.side,
      type: o.orderType,
      status,
      quantity: o.quantity,
      filledQuantity: o.filledQuantity,
      price: o.orderType === "LIMIT" ? o.price : null,
      averagePrice: filled > 0n ? o.averagePrice : null,
      tsEvent: msToNs(kstToEpochMs(o.date, o.time)).toString(),
    };
  }
}

export interface CreonConnectorOptions {
  lock: Lock;
  settings: CreonSettings;
  broker: CreonBroker;
  /** The bridge host's clock, measured while the connector runs (jts_venue_clock_offset_seconds). */
  clock: ServerClock;
  /** Symbols whose trades are streamed as ticks. */
  symbols: readonly string[];
  reconnectMinMs?: number;
  logger: Logger;
}

/**
 * `CreonBroker` as the kit's `VenueConnector`, with its feeds: every replica
 * serves rpc and measures the bridge's clock; only the leader holds the
 * bridge stream, so each tick and execution is published once.
 */
export function creonConnector(options: CreonConnectorOptions) {
  const { settings, broker, clock, logger } = options;
  let sink: VenueSink | null = null;
  const report = (reports: ExecutionReport[]) => {
    for (const item of reports) sink?.report(item);
  };
  const stream = new CreonStream({
    baseUrl: settings.bridgeUrl,
    secret: settings.bridgeSecret,
    logger,
    reconnectMinMs: options.reconnectMinMs,
    onTicks: (ticks) => {
      for (const tick of ticks) sink?.tick(tick);
    },
    onExecution: (event) =>
      void broker
        .onExecution(event)
        .then(report)
        .catch((error) => logger.warn("execution report failed", { error })),
    onRefused: (symbol, message) => logger.error("Creon refused a subscription", { symbol, message }),
  });
  let leadership: Leadership | null = null;
  const isLeader = () => leadership !== null && leadership.token !== null;

  const connector = orderClientConnector(CREON_VENUE, broker, {
    async start(venueSink) {
      sink = venueSink;
      await clock.start();
      for (const symbol of options.symbols) stream.subscribe(symbol);
      leadership = await holdLeadership(
        options.lock,
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
      clock.stop();
      await leadership?.stop();
      stream.stop();
    },
  });

  return { connector, stream, isLeader };
}
