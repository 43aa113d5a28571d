import type { Tick } from "@jts/contracts";
import type { BinanceSymbols } from "./symbols.ts";

/**
 * The hot path: a `trade` frame (raw or wrapped in a combined-stream
 * envelope) straight to a Tick without JSON.parse. Each field is found by
 * its key from the start of the event, so a reordered frame still parses;
 * anything unexpected returns null and the caller falls back to the slow path.
 * Prices arrive as strings with 8 decimals; trailing zeros are cut here.
 */
export function parseTradeFrame(frame: string, symbols: BinanceSymbols): Tick | null {
  const start = frame.indexOf('"e":"trade"');
  if (start < 0) return null;
  const venueSymbol = quoted(frame, '"s":"', start);
  const tradeId = bare(frame, '"t":', start);
  const price = quoted(frame, '"p":"', start);
  const quantity = quoted(frame, '"q":"', start);
  const tradeTime = bare(frame, '"T":', start);
  const makerAt = frame.indexOf('"m":', start);
  if (!venueSymbol || !tradeId || !price || !quantity || !tradeTime || makerAt < 0) return null;
  const symbol = symbols.fromVenue(venueSymbol);
  if (symbol === undefined) return null;
  return {
    symbol,
    venue: "binance",
    price: trimZeros(price),
    quantity: trimZeros(quantity),
    // m: the buyer was the maker, so the seller hit the bid.
    aggressor: frame.charCodeAt(makerAt + 4) === 116 /* t */ ? "SELL" : "BUY",
    tradeId,
    tsEvent: `${tradeTime}000000`,
  };
}

function quoted(frame: string, key: string, from: number): string | null {
  const at = frame.indexOf(key, from);
  if (at < 0) return null;
  const begin = at + key.length;
  const end = frame.indexOf('"', begin);
  return end < 0 ? null : frame.slice(begin, end);
}

function bare(frame: string, key: string, from: number): string | null {
  const at = frame.indexOf(key, from);
  if (at < 0) return null;
  const begin = at + key.length;
  let end = begin;
  while (end < frame.length) {
    const c = frame.charCodeAt(end);
    if (c < 48 || c > 57) break;
    end++;
  }
  return end === begin ? null : frame.slice(begin, end);
}

/** "0.00100000" -> "0.001", "100.00000000" -> "100". */
export function trimZeros(value: string): string {
  if (value.indexOf(".") < 0) return value;
  let end = value.length;
  while (value.charCodeAt(end - 1) === 48) end--;
  if (value.charCodeAt(end - 1) === 46) end--;
  return end === value.length ? value : value.slice(0, end);
}
