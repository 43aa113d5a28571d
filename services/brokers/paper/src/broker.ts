import {
  type BrokerAck,
  type CancelOrderCommand,
  type EventBus,
  EventTypes,
  type ExecutionReport,
  nowNsString,
  type Order,
  type Quote,
  Topics,
} from "@jts/contracts";
import { envelope, type InstrumentCatalog, type Logger, newId } from "@jts/kit";
import { type BestPrices, bestFromQuote, fillReport, marketableTerms, restingTerms } from "./matching.ts";

/**
 * A paper venue: fills against the live (or simulated) best bid and ask.
 * MARKET fills at once at the opposite best with the taker fee; LIMIT fills
 * at once if it crosses, else rests until the market reaches it (maker fee).
 * IOC and FOK limits that do not cross expire. Stop orders and partial fills
 * come with the trading-core issue; until then stops are refused, not faked.
 */
export class PaperBroker {
  private readonly best = new Map<string, BestPrices>();
  private readonly resting = new Map<string, Order>();
  /** Acks by order id: an OMS that retries a place after a crash gets the first answer, not a second fill. */
  private readonly placed = new Map<string, BrokerAck>();

  constructor(
    private readonly bus: EventBus,
    private readonly catalog: InstrumentCatalog,
    private readonly logger: Logger,
  ) {}

  openOrders(account?: string): Order[] {
    return [...this.resting.values()].filter((o) => account === undefined || o.account === account);
  }

  place(order: Order): { ack: BrokerAck; reports: ExecutionReport[] } {
    const previous = this.placed.get(order.id);
    if (previous) return { ack: previous, reports: [] };
    const result = this.placeNew(order);
    if (result.ack.accepted) this.placed.set(order.id, result.ack);
    return result;
  }

  private placeNew(order: Order): { ack: BrokerAck; reports: ExecutionReport[] } {
    const now = nowNsString();
    const refuse = (reason: string) => ({
      ack: { orderId: order.id, accepted: false, venueOrderId: null, reason, tsEvent: now },
      reports: [],
    });
    const instrument = this.catalog.find(order.symbol);
    if (!instrument) return refuse(`paper broker does not list ${order.symbol}`);
    if (order.type === "STOP_MARKET" || order.type === "STOP_LIMIT")
      return refuse(`${order.type} is not supported by the paper broker yet`);
    const best = this.best.get(order.symbol);
    if (!best) return refuse(`no market price for ${order.symbol} yet`);

    const venueOrderId = `P-${newId()}`;
    const ack: BrokerAck = { orderId: order.id, accepted: true, venueOrderId, reason: null, tsEvent: now };
    const reports: ExecutionReport[] = [this.report(order, "ACCEPTED", null, now)];
    const terms = marketableTerms(order, best);
    if (terms) reports.push(fillReport(order, instrument, terms, newId(), now));
    else if (order.timeInForce === "IOC" || order.timeInForce === "FOK")
      reports.push(this.report(order, "EXPIRED", `${order.timeInForce} limit did not cross`, now));
    else this.resting.set(order.id, order);
    return { ack, reports };
  }

  cancel(command: CancelOrderCommand): { ack: BrokerAck; reports: ExecutionReport[] } {
    const now = nowNsString();
    const order = this.resting.get(command.orderId);
    if (!order)
      return {
        ack: {
          orderId: command.orderId,
          accepted: false,
          venueOrderId: null,
          reason: "order is not open at the paper broker",
          tsEvent: now,
        },
        reports: [],
      };
    this.resting.delete(order.id);
    return {
      ack: { orderId: order.id, accepted: true, venueOrderId: null, reason: null, tsEvent: now },
      reports: [this.report(order, "CANCELED", "canceled by request", now)],
    };
  }

  /** New best prices: fill the resting orders they reach. */
  onQuote(quote: Quote): ExecutionReport[] {
    const best = bestFromQuote(quote);
    this.best.set(quote.symbol, best);
    const reports: ExecutionReport[] = [];
    for (const order of this.resting.values()) {
      if (order.symbol !== quote.symbol) continue;
      const terms = restingTerms(order, best);
      if (!terms) continue;
      const instrument = this.catalog.find(order.symbol);
      if (!instrument) continue;
      this.resting.delete(order.id);
      reports.push(fillReport(order, instrument, terms, newId(), quote.tsEvent));
    }
    return reports;
  }

  private report(order: Order, kind: ExecutionReport["kind"], reason: string | null, tsEvent: string): ExecutionReport {
    const { id: orderId, account, venue, symbol, side } = order;
    return { orderId, account, venue, symbol, side, kind, fill: null, reason, tsEvent };
  }

  async publish(reports: ExecutionReport[]): Promise<void> {
    for (const report of reports) {
      await this.bus.publish(
        Topics.executionReport,
        envelope(EventTypes.executionReport, "broker-paper", report.orderId, report, report.tsEvent),
      );
    }
    if (reports.length > 0) this.logger.debug("execution reports", { count: reports.length });
  }
}
