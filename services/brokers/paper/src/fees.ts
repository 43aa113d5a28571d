import { fx, type Instrument, type Side } from "@jts/contracts";

/** Fee rates as decimal fractions ("0.001" = 0.1%), charged on price x quantity in the quote currency. */
export interface FeeRates {
  maker: string;
  taker: string;
  /** Charged on sells only, on top of the fee (the KRX securities transaction tax). */
  sellTax: string;
}

/** KRX securities transaction tax on stock sells (KOSPI, 2026). */
export const KRX_SELL_TAX = "0.0018";

/**
 * Default rates per venue; a table passed to the engine replaces it. A venue
 * not listed (the simulated one) uses its instruments' own maker/taker fees.
 */
export const DEFAULT_FEES: Readonly<Record<string, FeeRates>> = {
  binance: { maker: "0.001", taker: "0.001", sellTax: "0" },
  upbit: { maker: "0.0005", taker: "0.0005", sellTax: "0" },
  kis: { maker: "0.00015", taker: "0.00015", sellTax: KRX_SELL_TAX },
  creon: { maker: "0.00015", taker: "0.00015", sellTax: KRX_SELL_TAX },
};

export function feeRates(instrument: Instrument, table: Readonly<Record<string, FeeRates>>): FeeRates {
  return (
    table[instrument.venue] ?? {
      maker: instrument.makerFee,
      taker: instrument.takerFee,
      sellTax: instrument.kind === "STOCK" ? KRX_SELL_TAX : "0",
    }
  );
}

/** The fee (and sell tax) for one fill, never negative. */
export function feeFor(rates: FeeRates, side: Side, liquidity: "MAKER" | "TAKER", notional: bigint): bigint {
  const rate = fx.toFixed(liquidity === "MAKER" ? rates.maker : rates.taker);
  const tax = side === "SELL" ? fx.toFixed(rates.sellTax) : 0n;
  return fx.abs(fx.mul(notional, rate + tax));
}
