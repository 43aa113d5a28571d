/**
 * Binance writes BTCUSDT, JTS writes BTC-USDT. The split is not derivable from
 * the string (is ETHBTC ETH-BTC?), so the map is built from exchangeInfo's
 * baseAsset/quoteAsset; `fromVenue` returns undefined for unknown symbols.
 */
export class BinanceSymbols {
  private readonly toJts = new Map<string, string>();
  private readonly toVenue = new Map<string, string>();

  constructor(pairs: ReadonlyArray<{ base: string; quote: string }> = []) {
    for (const pair of pairs) this.add(pair.base, pair.quote);
  }

  add(base: string, quote: string): void {
    const venue = `${base}${quote}`;
    const jts = `${base}-${quote}`;
    this.toJts.set(venue, jts);
    this.toVenue.set(jts, venue);
  }

  fromVenue(symbol: string): string | undefined {
    return this.toJts.get(symbol);
  }

  venueOf(symbol: string): string {
    return this.toVenue.get(symbol) ?? symbol.replace("-", "");
  }

  get size(): number {
    return this.toJts.size;
  }
}
