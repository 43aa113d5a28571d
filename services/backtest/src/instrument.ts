import { fx, Instrument } from "@jts/contracts";
import { compile } from "@jts/kit";

const checkInstrument = compile(Instrument);

/** What `--currency`, `--kind`, `--market`, `--tick`, `--lot` and `--fee` say about the traded symbol. */
export interface InstrumentFlags {
  currency?: string;
  kind?: string;
  /** The KRX market of a stock priced in KRW: KOSPI, KOSDAQ or KONEX. */
  market?: string;
  tick?: string;
  lot?: string;
  fee?: string;
}

export class InstrumentError extends Error {}

/**
 * The instrument a run trades: the catalog's (the simulated venue's BTC-KRW,
 * ETH-KRW, 005930) or a definition from a JSON file (one instrument, an
 * array, or an object keyed by symbol), then the flags on top. A symbol with
 * neither is an error: a run of orders refused as UNKNOWN_INSTRUMENT tells
 * nobody anything. A new definition starts from: CRYPTO, tick and lot
 * 0.00000001, minimum quantity = the lot, no minimum notional, no fees. A
 * STOCK priced in KRW is a KRX listing and must name its market: its sell
 * tax depends on it, and no market is guessed.
 */
export function resolveInstrument(
  symbol: string,
  known: Instrument | undefined,
  file: unknown,
  flags: InstrumentFlags,
): Instrument {
  const fromFile = file === undefined ? undefined : pick(symbol, file);
  const flagged = Object.values(flags).some((v) => v !== undefined);
  if (!known && !fromFile && flags.currency === undefined)
    throw new InstrumentError(
      `no instrument definition for ${symbol}: give at least --currency (and --tick, --lot, --fee, --kind) or --instrument FILE`,
    );
  if (!fromFile && !flagged && known) return known;
  const lot = flags.lot ?? (fromFile?.lotSize as string | undefined) ?? known?.lotSize ?? "0.00000001";
  const merged = {
    symbol,
    venue: "sim",
    kind: "CRYPTO",
    base: symbol,
    tickSize: "0.00000001",
    maxQuantity: "1000000000",
    minNotional: "0",
    makerFee: "0",
    takerFee: "0",
    ...known,
    ...(known ? {} : { minQuantity: lot }),
    ...fromFile,
    ...(flags.currency !== undefined ? { quote: flags.currency } : {}),
    ...(flags.kind !== undefined ? { kind: flags.kind } : {}),
    ...(flags.market !== undefined ? { market: flags.market } : {}),
    ...(flags.tick !== undefined ? { tickSize: flags.tick } : {}),
    ...(flags.lot !== undefined ? { lotSize: flags.lot, minQuantity: flags.lot } : { lotSize: lot }),
    ...(flags.fee !== undefined ? { makerFee: flags.fee, takerFee: flags.fee } : {}),
  };
  merged.symbol = symbol;
  merged.venue = "sim"; // a backtest fills at the simulated venue, whatever the data came from
  // The platform's symbol pattern is the venues' codes; a backtest trades whatever symbol its CSV names.
  const checked = { ...merged, symbol: "BACKTEST-SIM" };
  if (!checkInstrument.check(checked)) {
    try {
      checkInstrument.parse(checked);
    } catch (error) {
      throw new InstrumentError(`instrument definition for ${symbol}: ${(error as Error).message}`);
    }
  }
  const instrument = merged as Instrument;
  if (instrument.kind === "STOCK" && instrument.quote === "KRW" && !instrument.market)
    throw new InstrumentError(
      `instrument definition for ${symbol}: a stock priced in KRW is a KRX listing, whose sell tax depends on its market: give --market KOSPI|KOSDAQ|KONEX or "market" in --instrument FILE`,
    );
  for (const field of ["tickSize", "lotSize"] as const)
    if (fx.toFixed(instrument[field]) <= 0n)
      throw new InstrumentError(`instrument definition for ${symbol}: ${field} must be greater than zero`);
  return instrument;
}

function pick(symbol: string, file: unknown): Record<string, unknown> | undefined {
  const items: unknown[] = Array.isArray(file)
    ? file
    : isRecord(file) && typeof file.symbol !== "string" && !("quote" in file)
      ? Object.entries(file).map(([key, value]) => (isRecord(value) ? { symbol: key, ...value } : value))
      : [file];
  for (const item of items) {
    if (!isRecord(item)) throw new InstrumentError("the instrument file holds something that is not an object");
    if (item.symbol === undefined && items.length === 1) return item;
    if (item.symbol === symbol) return item;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
