import type { LastPrice, Quote, Tick } from "@jts/contracts";

/** Last trade and best bid/ask per symbol. */
export class PriceBoard {
  private readonly prices = new Map<string, LastPrice>();

  onTick(tick: Tick) {
    const entry = this.prices.get(tick.symbol);
    if (entry) {
      entry.price = tick.price;
      entry.ts = tick.tsEvent;
    } else
      this.prices.set(tick.symbol, {
        symbol: tick.symbol,
        venue: tick.venue,
        price: tick.price,
        bid: null,
        ask: null,
        ts: tick.tsEvent,
      });
  }

  onQuote(quote: Quote) {
    const entry = this.prices.get(quote.symbol);
    if (!entry) return; // a price row starts with the first trade
    entry.bid = quote.bid;
    entry.ask = quote.ask;
  }

  get(symbol: string): LastPrice | undefined {
    return this.prices.get(symbol);
  }

  all(): LastPrice[] {
    return [...this.prices.values()].map((p) => ({ ...p }));
  }
}
