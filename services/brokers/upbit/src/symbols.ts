/** Upbit writes QUOTE-BASE (KRW-BTC), JTS writes BASE-QUOTE (BTC-KRW): one swap, both ways. */
export function fromUpbitMarket(market: string): string {
  const dash = market.indexOf("-");
  return dash < 0 ? market : `${market.slice(dash + 1)}-${market.slice(0, dash)}`;
}

export function toUpbitMarket(symbol: string): string {
  const dash = symbol.indexOf("-");
  return dash < 0 ? symbol : `${symbol.slice(dash + 1)}-${symbol.slice(0, dash)}`;
}
