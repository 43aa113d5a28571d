import type { LastPrice, Quote, Tick } from "@jts/contracts";

/**
 * Last trade and best bid/ask per symbol. Trades and quotes travel on
 * different topics, so either may arrive first: they are kept apart and
 * joined when read.
 */
export class PriceBoard {
  private readonly trades = new Map<string, Tick>();
  private readonly quotes = new Map<string, Quote>();

  onTick(tick: Tick) {
    this.trades.set(tick.symbol, tick);
  }

  onQuote(quote: Quote) {
    this.quotes.set(quote.symbol, quote);
  }

  /** A symbol has a price once it has traded. */
  get(symbol: string): LastPrice | undefined {
    const trade = this.trades.get(symbol);
    if (!trade) return undefined;
    const quote = this.quotes.get(symbol);
    return {
      symbol,
      venue: trade.venue,
      price: trade.price,
      bid: quote?.bid ?? null,
      ask: quote?.ask ?? null,
      ts: trade.tsEvent,
    };
  }

  all(): LastPrice[] {
    return [...this.trades.keys()].map((symbol) => this.get(symbol) as LastPrice);
  }
}
