/**
 * How the screens write numbers and times for the trader: quantities at the
 * instrument's lot precision, prices at the tick of their band, money per
 * currency (decimal.ts's formatMoney), times in the language's locale, and a
 * KRX instrument's times in Seoul time marked KST, as Korean HTS show them.
 */
import {
  fromFixed,
  type Instrument,
  KRX_STOCK_TICKS,
  tickSizeAt,
  tickSpecOf,
  tickTableFor,
  toFixed,
} from "@jts/contracts";
import { decimalsOf, formatDecimal, formatPlaces, isDecimal } from "./decimal.ts";
import { language } from "./i18n.ts";

export const KRX_TIME_ZONE = "Asia/Seoul";

/** The locale numbers and dates are written in: Korean's, or the browser's English (en-US without one). */
export function locale(): string {
  if (language() === "ko") return "ko-KR";
  const browser = typeof navigator === "undefined" ? "" : navigator.language;
  return browser?.toLowerCase().startsWith("en") ? browser : "en-US";
}

/** A stock priced by KRX's tick table (the same test the ticket's band hint uses), or one at KIS. */
export function isKrx(instrument: Instrument | undefined): boolean {
  return instrument !== undefined && (instrument.venue === "kis" || tickTableFor(instrument) === KRX_STOCK_TICKS);
}

/** A quantity at the instrument's lot precision ("0.001" with lot 0.00000001 -> "0.00100000"); grouped. */
export function formatQuantity(value: string | null | undefined, instrument: Instrument | undefined): string {
  return instrument ? formatPlaces(value, decimalsOf(instrument.lotSize)) : formatDecimal(value);
}

/** A price at the precision of its band's tick (KRX, Upbit KRW), or of the flat tick; grouped. */
export function formatPrice(value: string | null | undefined, instrument: Instrument | undefined): string {
  if (!instrument || !value || !isDecimal(value) || value.startsWith("-")) return formatDecimal(value);
  const tick = fromFixed(tickSizeAt(tickSpecOf(instrument), toFixed(value)));
  return formatPlaces(value, Math.max(decimalsOf(tick), decimalsOf(instrument.tickSize)));
}

/**
 * A nanosecond timestamp as a 24-hour wall-clock time in the trader's locale;
 * `krx` writes it in Seoul time with "KST" after it; `date` adds the day.
 */
export function formatTime(ns: string | null | undefined, options: { krx?: boolean; date?: boolean } = {}): string {
  if (!ns || !/^\d{1,20}$/.test(ns)) return "—";
  const text = new Intl.DateTimeFormat(locale(), {
    ...(options.date ? { year: "numeric", month: "2-digit", day: "2-digit" } : {}),
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    ...(options.krx ? { timeZone: KRX_TIME_ZONE } : {}),
  }).format(new Date(Number(BigInt(ns) / 1_000_000n)));
  return options.krx ? `${text} KST` : text;
}

/** The formats of rows that name a symbol, looked up in `instruments` (unknown symbols: plain decimals, local time). */
export function rowFormats(instruments: () => readonly Instrument[] | undefined) {
  const find = (symbol: string) => instruments()?.find((i) => i.symbol === symbol);
  return {
    find,
    quantity: (symbol: string, value: string | null | undefined) => formatQuantity(value, find(symbol)),
    price: (symbol: string, value: string | null | undefined) => formatPrice(value, find(symbol)),
    time: (symbol: string, ns: string | null | undefined) => formatTime(ns, { krx: isKrx(find(symbol)) }),
  };
}
