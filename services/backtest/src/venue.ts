import { PaperBroker } from "@jts/broker-paper";
import type { ExecutionReport, Order, Quote } from "@jts/contracts";
import { createLogger, type InstrumentCatalog, MemoryEventBus } from "@jts/kit";

/**
 * What a backtest needs from a venue: feed it prices, place and cancel
 * orders, get execution reports back at once. Every call happens at the
 * backtest's clock, which stamps the reports.
 */
export interface BacktestVenue {
  onQuote(quote: Quote): ExecutionReport[];
  place(order: Order, now: string): { accepted: boolean; reason: string | null; reports: ExecutionReport[] };
  cancel(order: Order, now: string): ExecutionReport[];
}

/**
 * The paper broker's own matching (services/brokers/paper) behind the
 * backtest interface. The broker stamps reports with the wall clock and
 * random fill ids; the adapter restamps them with market time and a counter
 * so a replay is reproducible. When the paper broker becomes a
 * clock-injected MatchingEngine, this adapter is the one thing to swap.
 */
export class PaperVenueAdapter implements BacktestVenue {
  private readonly broker: PaperBroker;
  private fills = 0;

  constructor(catalog: InstrumentCatalog) {
    // The broker only publishes when asked to; the backtest never asks.
    this.broker = new PaperBroker(
      new MemoryEventBus(),
      catalog,
      createLogger({}, "error", () => {}),
    );
  }

  onQuote(quote: Quote): ExecutionReport[] {
    return this.restamp(this.broker.onQuote(quote), quote.tsEvent);
  }

  place(order: Order, now: string) {
    const { ack, reports } = this.broker.place(order);
    return { accepted: ack.accepted, reason: ack.reason, reports: this.restamp(reports, now) };
  }

  cancel(order: Order, now: string): ExecutionReport[] {
    const command = { orderId: order.id, account: order.account, symbol: order.symbol };
    return this.restamp(this.broker.cancel(command).reports, now);
  }

  private restamp(reports: ExecutionReport[], now: string): ExecutionReport[] {
    return reports.map((r) => ({
      ...r,
      tsEvent: now,
      fill: r.fill ? { ...r.fill, fillId: `bt-fill-${++this.fills}` } : null,
    }));
  }
}
