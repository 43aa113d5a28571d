import type { Tick } from "@jts/contracts";
import type { BinanceSymbols } from "./symbols.ts";

const QUOTE = 34; // "
const COMMA = 44;
const BRACE_CLOSE = 125;
const LETTER_T = 116; // t

/**
 * The hot path: a `trade` frame (raw, or wrapped in a combined-stream
 * envelope) straight to a Tick without JSON.parse. One pass over the event
 * object: each key is one letter, strings end at the next quote, numbers at
 * the next comma or brace, so key order does not matter and nested values do
 * not occur. Anything unexpected returns null and the caller falls back to
 * JSON.parse. Prices arrive as strings with 8 decimals; trailing zeros are
 * cut here.
 */
export function parseTradeFrame(frame: string, symbols: BinanceSymbols): Tick | null {
  // The event object: after `"data":` in a combined stream, else the frame itself.
  let i = frame.charCodeAt(2) === 115 /* s of "stream" */ ? frame.indexOf('"data":{') + 8 : 1;
  if (i < 1) return null;
  let isTrade = false;
  let venueSymbol = "";
  let tradeId = "";
  let price = "";
  let quantity = "";
  let tradeTime = "";
  let buyerIsMaker = -1;
  const end = frame.length;
  while (i < end) {
    if (frame.charCodeAt(i) !== QUOTE || frame.charCodeAt(i + 2) !== QUOTE) return null;
    const key = frame.charCodeAt(i + 1);
    i += 4; // past `"k":`
    if (frame.charCodeAt(i) === QUOTE) {
      const close = frame.indexOf('"', i + 1);
      if (close < 0) return null;
      // Only the fields a Tick needs are copied out of the frame.
      if (key === 115 /* s */) venueSymbol = frame.slice(i + 1, close);
      else if (key === 112 /* p */) price = frame.slice(i + 1, close);
      else if (key === 113 /* q */) quantity = frame.slice(i + 1, close);
      else if (key === 101 /* e */) isTrade = close - i === 6 && frame.startsWith("trade", i + 1);
      i = close + 1;
    } else {
      let j = i;
      while (j < end) {
        const c = frame.charCodeAt(j);
        if (c === COMMA || c === BRACE_CLOSE) break;
        j++;
      }
      if (key === 116 /* t */) tradeId = frame.slice(i, j);
      else if (key === 84 /* T */) tradeTime = frame.slice(i, j);
      else if (key === 109 /* m */) buyerIsMaker = frame.charCodeAt(i) === LETTER_T ? 1 : 0;
      i = j;
    }
    const next = frame.charCodeAt(i);
    if (next === BRACE_CLOSE) break;
    if (next !== COMMA) return null;
    i++;
  }
  if (!isTrade || !price || !quantity || !tradeId || !tradeTime || buyerIsMaker < 0) return null;
  const symbol = symbols.fromVenue(venueSymbol);
  if (symbol === undefined) return null;
  return {
    symbol,
    venue: "binance",
    price: trimZeros(price),
    quantity: trimZeros(quantity),
    // m: the buyer was the maker, so the seller hit the bid.
    aggressor: buyerIsMaker === 1 ? "SELL" : "BUY",
    tradeId,
    tsEvent: `${tradeTime}000000`,
  };
}

/** "0.00100000" -> "0.001", "100.00000000" -> "100". */
export function trimZeros(value: string): string {
  let end = value.length;
  if (value.charCodeAt(end - 1) !== 48 || value.indexOf(".") < 0) return value;
  while (value.charCodeAt(end - 1) === 48) end--;
  if (value.charCodeAt(end - 1) === 46) end--;
  return value.slice(0, end);
}
