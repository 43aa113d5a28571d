/**
 * The one rule every book applies to a fill: the portfolio, risk, the paper
 * venue and a strategy's P&L. A fill of `quantity` base at `price` quote:
 *
 * - the quote currency's cash moves by price x quantity (paid on a buy,
 *   received on a sell);
 * - the position (the base asset) moves by what the venue credits or debits:
 *   the quantity, less a fee charged in the base on a buy (Binance credits
 *   quantity - fee of the coin it bought) and plus one on a sell (the venue
 *   takes quantity + fee of the coin);
 * - a fee in the quote comes off the quote's cash; a fee in a third asset
 *   (BNB) off that asset's cash. A fee in the base is in the position move
 *   above and is never debited a second time.
 *
 * Realized P&L lives in the quote currency. A fee in the quote comes off it;
 * a fee in the base comes off it converted at the fill price (fee x price:
 * that is what the coin the fee took was worth at that instant, so a buy of
 * 1 at 90,000 with 0.001 fee, sold as 0.999 at 90,000, is flat with -90);
 * a fee in a third currency does not (no price here converts it), it is kept
 * in its own currency.
 *
 * What others do: NautilusTrader counts commission in realized P&L only when
 * it is in the settlement (quote) currency, and (recent versions) reduces a
 * spot currency pair's position by a commission charged in the base through
 * a PositionAdjusted(COMMISSION) event: the same position as here, but no
 * realized P&L for a base fee (how it signs the adjustment on a sell we have
 * not verified). Binance spot charges a buy's fee in the base asset it bought
 * and a sell's in the quote it received (or in BNB with the BNB discount), so
 * a sell with a base fee does not come from Binance; the rule books it as the
 * debit of quantity + fee it would be.
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
  /** Signed move of the position (the base), a fee in the base included: positive on a buy. */
  quantity: Fixed;
  price: Fixed;
  /** Signed quote cash, fee excluded: -price x quantity on a buy, +price x quantity on a sell. */
  quoteCash: Fixed;
  /** Never negative; debited from `feeCurrency`'s cash, or, in the base, from the position (`quantity`). */
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
  const fee = abs(trade.fee);
  const feeCurrency = trade.feeCurrency || currencies.quote;
  const baseFee = feeCurrency === currencies.base ? fee : 0n;
  return {
    base: currencies.base,
    quote: currencies.quote,
    quantity: buy ? trade.quantity - baseFee : -(trade.quantity + baseFee),
    price: trade.price,
    quoteCash: buy ? -notional : notional,
    fee,
    feeCurrency,
  };
}

function currenciesOrFee(trade: ParsedFill): Currencies {
  if (PAIR.test(trade.symbol) || KRX_CODE.test(trade.symbol)) return currenciesOf(trade.symbol);
  return { base: trade.symbol, quote: trade.feeCurrency };
}

/**
 * The cash each currency gains (negative: loses) from a booking: the quote by
 * the notional, a third currency by the fee. A fee in the base is not here: it
 * moved the position (`quantity`), and a book that keeps the base as a wallet
 * balance moves it by `quantity`.
 */
export function cashMoves(b: FillBooking): Array<[currency: string, amount: Fixed]> {
  if (b.feeCurrency === b.quote) return [[b.quote, b.quoteCash - b.fee]];
  return b.fee === 0n || b.feeCurrency === b.base
    ? [[b.quote, b.quoteCash]]
    : [
        [b.quote, b.quoteCash],
        [b.feeCurrency, -b.fee],
      ];
}

/**
 * The fee's cost in the quote, taken off realized P&L: a fee in the quote as
 * it is, one in the base at the fill price, none for a third currency.
 */
export function quoteFee(b: FillBooking): Fixed {
  if (b.feeCurrency === b.quote) return b.fee;
  if (b.feeCurrency === b.base) return mul(b.fee, b.price);
  return 0n;
}

/** A fee kept in its own currency, unconverted (BNB): 0 when the fee is in the quote or the base. */
export function otherCurrencyFee(b: FillBooking): Fixed {
  return b.feeCurrency === b.quote || b.feeCurrency === b.base ? 0n : b.fee;
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
