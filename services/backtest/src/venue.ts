import { MatchingEngine } from "@jts/broker-paper";
import type { ExecutionReport, Order, Quote } from "@jts/contracts";
import type { InstrumentCatalog } from "@jts/kit";

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
 * The paper venue's own MatchingEngine (services/brokers/paper), the very
 * code that fills paper orders live, driven by market time: the engine reads
 * the clock the backtest sets before each call, and ids come from a counter,
 * so a replay is reproducible.
 */
export class PaperVenueAdapter implements BacktestVenue {
  private now = 0n;
  private ids = 0;
  private readonly engine: MatchingEngine;

  constructor(catalog: InstrumentCatalog) {
    this.engine = new MatchingEngine({
      clock: () => this.now,
      instruments: catalog,
      newId: () => `bt-${++this.ids}`,
    });
  }

  onQuote(quote: Quote): ExecutionReport[] {
    this.now = BigInt(quote.tsEvent);
    return this.engine.onQuote(quote);
  }

  place(order: Order, now: string) {
    this.now = BigInt(now);
    const { ack, reports } = this.engine.place(order);
    return { accepted: ack.accepted, reason: ack.reason, reports };
  }

  cancel(order: Order, now: string): ExecutionReport[] {
    this.now = BigInt(now);
    return this.engine.cancel(order.id).reports;
  }
}
