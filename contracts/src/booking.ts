/**
 * The one rule every book applies to a fill: the portfolio, risk, the paper
 * venue and a strategy's P&L. A fill of `quantity` base at `price` quote:
 *
 * - the quote currency's cash moves by price x quantity (paid on a buy,
 *   received on a sell);
 * - the position (the base asset) moves by the quantity;
 * - the fee is debited in its own currency, whatever it is: the quote, the
 *   base (Binance charges a buy's fee in what it bought) or a third asset
 *   (BNB). It is never taken from another currency's cash.
 *
 * Realized P&L lives in the quote currency. A fee charged in the quote comes
 * off it; a fee in any other currency does not (no price here converts it),
 * it is kept in its own currency. This is NautilusTrader's rule
 * (Position: commission reduces realized P&L only in the settlement currency).
 */
import { abs, type Fixed, min, mul, toFixed, weightedAverage } from "./decimal.ts";
import type { Side } from "./primitives.ts";

/** What a book needs of a fill: the contracts' Fill carries these as strings, `parseFill` parses them. */
export interface ParsedFill {
  symbol: string;
  side: Side;
  price: Fixed;
  quantity: Fixed;
  fee: Fixed;
  feeCurrency: string;
}

export interface Currencies {
  base: string;
  quote: string;
}

/** What one fill does to an account's money, by the rule above. */
export interface FillBooking extends Currencies {
  /** Signed base quantity: positive on a buy. */
  quantity: Fixed;
  price: Fixed;
  /** Signed quote cash, fee excluded: -price x quantity on a buy, +price x quantity on a sell. */
  quoteCash: Fixed;
  /** Debited from `feeCurrency`'s cash; never negative. */
  fee: Fixed;
  feeCurrency: string;
}

export function parseFill(fill: {
  symbol: string;
  side: Side;
  price: string;
  quantity: string;
  fee: string;
  feeCurrency: string;
}): ParsedFill {
  return {
    symbol: fill.symbol,
    side: fill.side,
    price: toFixed(fill.price),
    quantity: toFixed(fill.quantity),
    fee: toFixed(fill.fee),
    feeCurrency: fill.feeCurrency,
  };
}

const PAIR = /^([A-Z0-9]{2,12})-([A-Z]{2,6})$/;
const KRX_CODE = /^[0-9]{6}$/;

/**
 * A symbol's currencies by the SymbolCode contract: "BASE-QUOTE" (BTC-USDT,
 * ETH-KRW), or a six-digit KRX code, a stock priced in KRW. Every venue's
 * connector names its instruments so, which is why no catalog is needed here
 * and a fill never has to wait for one.
 */
export function currenciesOf(symbol: string): Currencies {
  const pair = PAIR.exec(symbol);
  if (pair) return { base: pair[1] as string, quote: pair[2] as string };
  if (KRX_CODE.test(symbol)) return { base: symbol, quote: "KRW" };
  throw new Error(`not a symbol code: ${JSON.stringify(symbol)}`);
}

/**
 * Books one fill. `currencies` defaults to the symbol's; a venue that knows
 * its instrument passes its own. A symbol outside the SymbolCode contract
 * (a backtest's own CSV name) is taken as priced in its fee currency.
 */
export function bookFill(trade: ParsedFill, currencies: Currencies = currenciesOrFee(trade)): FillBooking {
  const notional = mul(trade.price, trade.quantity);
  const buy = trade.side === "BUY";
  return {
    base: currencies.base,
    quote: currencies.quote,
    quantity: buy ? trade.quantity : -trade.quantity,
    price: trade.price,
    quoteCash: buy ? -notional : notional,
    fee: abs(trade.fee),
    feeCurrency: trade.feeCurrency || currencies.quote,
  };
}

function currenciesOrFee(trade: ParsedFill): Currencies {
  if (PAIR.test(trade.symbol) || KRX_CODE.test(trade.symbol)) return currenciesOf(trade.symbol);
  return { base: trade.symbol, quote: trade.feeCurrency };
}

/** The cash each currency gains (negative: loses) from a booking: the quote by the notional, the fee's currency by the fee. */
export function cashMoves(b: FillBooking): Array<[currency: string, amount: Fixed]> {
  if (b.feeCurrency === b.quote) return [[b.quote, b.quoteCash - b.fee]];
  return b.fee === 0n
    ? [[b.quote, b.quoteCash]]
    : [
        [b.quote, b.quoteCash],
        [b.feeCurrency, -b.fee],
      ];
}

/** The part of the fee that comes off realized P&L (in the quote): all of it in the quote, none in another currency. */
export function quoteFee(b: FillBooking): Fixed {
  return b.feeCurrency === b.quote ? b.fee : 0n;
}

/** An average-cost position: signed quantity (negative is short) and the average entry of the open quantity. */
export interface AverageCost {
  quantity: Fixed;
  averagePrice: Fixed;
}

export interface PositionChange extends AverageCost {
  /** P&L the fill realized on the quantity it closed, before fees, in the quote currency. */
  realized: Fixed;
  /** How much of the previous position the fill closed (0 when it added to it). */
  closed: Fixed;
}

/**
 * Average-cost accounting. A fill on the position's side (or on no position)
 * moves the average to the volume-weighted entry; one against it realizes
 * (price - average) x closed quantity, and what is beyond the position opens
 * the other side at the fill price. A closed position has average 0.
 */
export function applyToPosition(before: AverageCost, signed: Fixed, price: Fixed): PositionChange {
  const quantity = before.quantity + signed;
  if (before.quantity === 0n || before.quantity > 0n === signed > 0n) {
    const averagePrice = weightedAverage(abs(before.quantity), before.averagePrice, abs(signed), price);
    return { quantity, averagePrice, realized: 0n, closed: 0n };
  }
  const closed = min(abs(before.quantity), abs(signed));
  const perUnit = before.quantity > 0n ? price - before.averagePrice : before.averagePrice - price;
  const realized = mul(closed, perUnit);
  const flipped = quantity !== 0n && quantity > 0n !== before.quantity > 0n;
  const averagePrice = quantity === 0n ? 0n : flipped ? price : before.averagePrice;
  return { quantity, averagePrice, realized, closed };
}
