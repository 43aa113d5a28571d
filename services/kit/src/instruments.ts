import { type Fixed, fx, type Instrument } from "@jts/contracts";
import { type TickSpec, tickSpecOf } from "./ticks.ts";

/**
 * The instruments the sim venue lists. Tick sizes follow the venues they
 * imitate: Upbit's KRW market uses 1000 KRW above 1,000,000 KRW; KRX uses
 * 100 KRW for stocks priced 50,000 to 200,000 KRW.
 */
export const SIM_INSTRUMENTS: readonly Instrument[] = [
  {
    symbol: "BTC-KRW",
    venue: "sim",
    kind: "CRYPTO",
    base: "BTC",
    quote: "KRW",
    tickSize: "1000",
    lotSize: "0.00000001",
    minQuantity: "0.00000001",
    maxQuantity: "1000",
    minNotional: "5000",
    makerFee: "0.0005",
    takerFee: "0.0005",
  },
  {
    symbol: "ETH-KRW",
    venue: "sim",
    kind: "CRYPTO",
    base: "ETH",
    quote: "KRW",
    tickSize: "1000",
    lotSize: "0.00000001",
    minQuantity: "0.00000001",
    maxQuantity: "10000",
    minNotional: "5000",
    makerFee: "0.0005",
    takerFee: "0.0005",
  },
  {
    symbol: "005930",
    venue: "sim",
    kind: "STOCK",
    base: "005930",
    quote: "KRW",
    tickSize: "100",
    lotSize: "1",
    minQuantity: "1",
    maxQuantity: "1000000",
    minNotional: "1",
    makerFee: "0.00015",
    takerFee: "0.00015",
    market: "KOSPI",
  },
];

/** An instrument with its sizes parsed once, for checks on the hot path. */
export interface InstrumentSpec extends TickSpec {
  readonly instrument: Instrument;
  readonly lotSize: Fixed;
  readonly minQuantity: Fixed;
  readonly maxQuantity: Fixed;
  readonly minNotional: Fixed;
  readonly takerFee: Fixed;
}

export class InstrumentCatalog {
  private readonly bySymbol: Map<string, Instrument>;
  private readonly specs = new Map<string, InstrumentSpec>();
  constructor(instruments: readonly Instrument[] = SIM_INSTRUMENTS) {
    this.bySymbol = new Map(instruments.map((i) => [i.symbol, i]));
  }
  get all(): Instrument[] {
    return [...this.bySymbol.values()];
  }
  /**
   * Adds or replaces instruments as a venue connector announces them, so
   * the next order is checked against the venue's own tick, lot and minimum.
   * Instruments are keyed by symbol: a venue's listing replaces a simulated
   * one of the same symbol.
   */
  upsert(instruments: readonly Instrument[]): void {
    for (const instrument of instruments) {
      this.bySymbol.set(instrument.symbol, instrument);
      this.specs.delete(instrument.symbol);
    }
  }
  find(symbol: string): Instrument | undefined {
    return this.bySymbol.get(symbol);
  }
  spec(symbol: string): InstrumentSpec | undefined {
    let spec = this.specs.get(symbol);
    if (spec) return spec;
    const instrument = this.bySymbol.get(symbol);
    if (!instrument) return undefined;
    spec = {
      instrument,
      lotSize: fx.toFixed(instrument.lotSize),
      minQuantity: fx.toFixed(instrument.minQuantity),
      maxQuantity: fx.toFixed(instrument.maxQuantity),
      minNotional: fx.toFixed(instrument.minNotional),
      takerFee: fx.toFixed(instrument.takerFee),
      ...tickSpecOf(instrument),
    };
    this.specs.set(symbol, spec);
    return spec;
  }
}
