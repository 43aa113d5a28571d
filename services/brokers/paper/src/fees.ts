import { type Fixed, fx, type Instrument, type Side } from "@jts/contracts";
import { KRX_TAX_RATES, type KrxMarket, type KrxTaxRate, krxSellTax, krxTaxRate, truncateToWon } from "./krx-tax.ts";

/** A venue's fee schedule. */
export interface FeeRates {
  /** Fractions of the notional ("0.001" = 0.1%); absent: the instrument's own makerFee / takerFee. */
  maker?: string;
  taker?: string;
  /** Stock sells pay the KRX sell tax of their market on the trade's date (krx-tax.ts). */
  krxSellTax: boolean;
}

/**
 * Default schedules per venue; a table passed to the engine replaces it. A
 * venue not in the table has no fees we know: its orders are refused, not
 * charged some other venue's rates.
 */
export const DEFAULT_FEES: Readonly<Record<string, FeeRates>> = {
  // The simulated venue charges each instrument's own fees (a backtest's definitions too); its stocks are KRX listings.
  sim: { krxSellTax: true },
  binance: { maker: "0.001", taker: "0.001", krxSellTax: false },
  upbit: { maker: "0.0005", taker: "0.0005", krxSellTax: false },
  kis: { maker: "0.00015", taker: "0.00015", krxSellTax: true },
  creon: { maker: "0.00015", taker: "0.00015", krxSellTax: true },
};

/** The schedule of the instrument's venue, or null when the table has none. */
export function feeRates(instrument: Instrument, table: Readonly<Record<string, FeeRates>>): FeeRates | null {
  return table[instrument.venue] ?? null;
}

/** Whether a sell of `instrument` pays the KRX sell tax under `rates`: KRX listings are stocks priced in KRW. */
export function paysKrxTax(instrument: Instrument, rates: FeeRates, side: Side): boolean {
  return rates.krxSellTax && side === "SELL" && isKrxListing(instrument);
}

/** A stock priced in KRW: a KRX listing, whose sell tax depends on its market. */
export function isKrxListing(instrument: Instrument): boolean {
  return instrument.kind === "STOCK" && instrument.quote === "KRW";
}

/**
 * The KRX market (KOSPI, KOSDAQ, KONEX) of a KRX listing. One without it is
 * an error, never silently KOSPI: KOSPI sells pay the 0.15% rural tax on top,
 * KONEX sells half the KOSDAQ rate, so a guess books the wrong money.
 */
export function krxMarketOf(instrument: Instrument): KrxMarket {
  if (!instrument.market)
    throw new Error(
      `no KRX market for ${instrument.symbol}: its sell tax depends on it; set market (KOSPI, KOSDAQ or KONEX) in its definition`,
    );
  return instrument.market;
}

export interface FeeCharge {
  side: Side;
  liquidity: "MAKER" | "TAKER";
  notional: Fixed;
  /** When the fill happened (ns): the KRX tax rate is the one in force on its KST date. */
  ts: bigint;
}

/**
 * The fee (and tax) of one fill, in the quote currency, never negative. A
 * KRX stock in KRW is charged as Korean brokers charge it: the commission
 * truncated below 1 won, each tax truncated below 1 won, the tax at the rate
 * of the trade's settlement date (T+2, `holidays` skipped: krx-tax.ts); other
 * instruments to the 9 decimals of the fixed-point scale.
 */
export function feeFor(
  instrument: Instrument,
  rates: FeeRates,
  charge: FeeCharge,
  taxRates: readonly KrxTaxRate[] = KRX_TAX_RATES,
  holidays?: ReadonlySet<string>,
): Fixed {
  const rate =
    charge.liquidity === "MAKER" ? (rates.maker ?? instrument.makerFee) : (rates.taker ?? instrument.takerFee);
  const notional = fx.abs(charge.notional);
  const commission = fx.abs(fx.mul(notional, fx.toFixed(rate)));
  const inWon = instrument.kind === "STOCK" && instrument.quote === "KRW";
  const tax = paysKrxTax(instrument, rates, charge.side)
    ? krxSellTax(krxTaxRate(krxMarketOf(instrument), charge.ts, taxRates, holidays), notional)
    : 0n;
  return (inWon ? truncateToWon(commission) : commission) + tax;
}
