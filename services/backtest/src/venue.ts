import { DEFAULT_FEES, type FeeRates, type KrxTaxRate, MatchingEngine } from "@jts/broker-paper";
import type { ExecutionReport, Order, Quote, SessionEnd } from "@jts/contracts";
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

/** A run's costs: fee rates for the simulated venue (its instruments' own when absent) and a slippage in bps. */
export interface VenueCosts {
  fees?: FeeRates;
  /** The KRX sell tax table (default: the dated one in force on each trade's date). */
  krxTaxRates?: readonly KrxTaxRate[];
  slippageBps?: number;
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

  constructor(
    catalog: InstrumentCatalog,
    options: {
      fees?: FeeRates;
      krxTaxRates?: readonly KrxTaxRate[];
      /** KRX holidays: a sell's tax is the rate of its T+2 settlement date, which skips them. */
      krxHolidays?: Iterable<string>;
      sessionEnd?: SessionEnd;
    } = {},
  ) {
    this.engine = new MatchingEngine({
      clock: () => this.now,
      instruments: catalog,
      newId: () => `bt-${++this.ids}`,
      // The fee math stays the paper venue's; a run only picks the rates of the venue it simulates.
      ...(options.fees ? { fees: { ...DEFAULT_FEES, sim: options.fees } } : {}),
      ...(options.krxTaxRates ? { krxTaxRates: options.krxTaxRates } : {}),
      ...(options.krxHolidays ? { krxHolidays: options.krxHolidays } : {}),
      ...(options.sessionEnd ? { sessionEnd: options.sessionEnd } : {}),
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
