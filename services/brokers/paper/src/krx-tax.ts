/**
 * The tax a KRX stock sell pays, by market and by the date of the trade.
 *
 * Legal source:
 * - 증권거래세법 (Securities Transaction Tax Act) art. 8 sets the base rate
 *   (0.35%) and lets the enforcement decree lower it for listed stocks;
 *   증권거래세법 시행령 (its Enforcement Decree) art. 5 sets the rate for
 *   유가증권시장 (KOSPI), 코스닥시장 (KOSDAQ) and 코넥스시장 (KONEX) stocks.
 * - 농어촌특별세법 (Special Tax for Rural Development Act) art. 5 adds 0.15%
 *   of the transfer value on KOSPI stock transfers only: KOSDAQ and KONEX
 *   stocks pay the securities transaction tax alone.
 *
 * The rows below are what we know of those rates (STT + rural tax = total):
 *   from 2013-07-01  KOSPI 0.15% + 0.15% = 0.30%  KOSDAQ 0.30%  KONEX 0.30%
 *   from 2019-06-03  KOSPI 0.10% + 0.15% = 0.25%  KOSDAQ 0.25%  KONEX 0.10%
 *   from 2021-01-01  KOSPI 0.08% + 0.15% = 0.23%  KOSDAQ 0.23%  KONEX 0.10%
 *   from 2023-01-01  KOSPI 0.05% + 0.15% = 0.20%  KOSDAQ 0.20%  KONEX 0.10%
 *   from 2024-01-01  KOSPI 0.03% + 0.15% = 0.18%  KOSDAQ 0.18%  KONEX 0.10%
 *   from 2025-01-01  KOSPI 0.00% + 0.15% = 0.15%  KOSDAQ 0.15%  KONEX 0.10%
 *   from 2026-01-01  KOSPI 0.05% + 0.15% = 0.20%  KOSDAQ 0.20%  KONEX 0.10%
 * Uncertain, check before trading real money: the 2026 row is the 2025 tax
 * reform (2025년 세법개정안, announced 2025-07) that restored the 2023 rates by
 * amending the decree from 2026-01-01; we believe it took effect as announced
 * but did not verify the promulgated decree. The 0.30% rates held well
 * before 2013; the table starts at KONEX's opening (2013-07-01), so older
 * backtests need a row from configuration. `KRX_SELL_TAX_RATES`
 * (parseKrxTaxRates) adds or replaces rows without a release.
 *
 * Which date's rate: the tax is levied on the transfer (양도), and a share
 * traded on the exchange is transferred when the trade settles (증권거래세법
 * art. 5: when the trade is confirmed; its decree art. 2: when it is settled
 * on the market), T+2 KRX business days. So a row's date is a settlement date
 * and a sell pays the rate in force on its settlement date: the 2019-06-03
 * cut applied to trades from 2019-05-30 (한국예탁결제원's notice, May 2019),
 * the 2023-01-01 one to trades from 2022-12-28 (12-30 was a KRX holiday).
 * The settlement date skips weekends and the KRX holidays given
 * (KRX_HOLIDAYS); without them a trade in the last days of a year may settle,
 * here, on a year-end holiday and pay the old rate. Whether brokers truncate
 * the tax per fill or per order is not verified: we truncate per fill.
 */
import { type Fixed, fx, KST_OFFSET_MS } from "@jts/contracts";

export const KRX_MARKETS = ["KOSPI", "KOSDAQ", "KONEX"] as const;
export type KrxMarket = (typeof KRX_MARKETS)[number];

/** One rate in force from `from` (a KST date, YYYY-MM-DD) until the next row of its market. */
export interface KrxTaxRate {
  market: KrxMarket;
  from: string;
  /** 증권거래세, a fraction of the sell amount ("0.0005" = 0.05%). */
  transactionTax: string;
  /** 농어촌특별세, KOSPI only. */
  ruralTax: string;
}

const row = (market: KrxMarket, from: string, transactionTax: string, ruralTax = "0"): KrxTaxRate => ({
  market,
  from,
  transactionTax,
  ruralTax,
});

export const KRX_TAX_RATES: readonly KrxTaxRate[] = [
  row("KOSPI", "2013-07-01", "0.0015", "0.0015"),
  row("KOSDAQ", "2013-07-01", "0.003"),
  row("KONEX", "2013-07-01", "0.003"),
  row("KOSPI", "2019-06-03", "0.001", "0.0015"),
  row("KOSDAQ", "2019-06-03", "0.0025"),
  row("KONEX", "2019-06-03", "0.001"),
  row("KOSPI", "2021-01-01", "0.0008", "0.0015"),
  row("KOSDAQ", "2021-01-01", "0.0023"),
  row("KOSPI", "2023-01-01", "0.0005", "0.0015"),
  row("KOSDAQ", "2023-01-01", "0.002"),
  row("KOSPI", "2024-01-01", "0.0003", "0.0015"),
  row("KOSDAQ", "2024-01-01", "0.0018"),
  row("KOSPI", "2025-01-01", "0", "0.0015"),
  row("KOSDAQ", "2025-01-01", "0.0015"),
  row("KOSPI", "2026-01-01", "0.0005", "0.0015"),
  row("KOSDAQ", "2026-01-01", "0.002"),
];

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const NS_PER_MS = 1_000_000n;

/** The KST calendar date of a time in ns since the epoch. */
export function kstDate(tsNs: bigint): string {
  return new Date(Number(tsNs / NS_PER_MS) + KST_OFFSET_MS).toISOString().slice(0, 10);
}

const DAY_MS = 86_400_000;

/**
 * The last settlement worked out for each holiday set: its KST day (days since
 * the epoch), its date, and the weekdays the walk looked up with whether each
 * was a holiday then. Only those can change the answer, so a hit checks them
 * again: whatever the set gained or lost since (even at the same size), the
 * date is the walk's.
 */
interface KeptSettlement {
  kstDay: number;
  date: string;
  weekdays: string[];
  wereHolidays: boolean[];
}
const lastSettlement = new WeakMap<ReadonlySet<string>, KeptSettlement>();

/**
 * The KST date a KRX trade at `tsNs` settles: the second business day after
 * its KST date (T+2), weekends and `holidays` (YYYY-MM-DD) skipped. Every
 * KRX sell asks twice (the venue's refusal check and the fee), all day long
 * for the same KST day: the last answer is kept per holiday set and the
 * calendar walked once a day (a hit looks up the few weekdays it crossed again).
 */
export function krxSettlementDate(tsNs: bigint, holidays: ReadonlySet<string> = NO_HOLIDAYS): string {
  const kstDay = Math.floor((Number(tsNs / NS_PER_MS) + KST_OFFSET_MS) / DAY_MS);
  const last = lastSettlement.get(holidays);
  if (last && last.kstDay === kstDay && sameHolidays(last, holidays)) return last.date;
  const walked = walkSettlementDate(kstDay, holidays);
  lastSettlement.set(holidays, walked);
  return walked.date;
}

function sameHolidays(kept: KeptSettlement, holidays: ReadonlySet<string>): boolean {
  for (let i = 0; i < kept.weekdays.length; i++)
    if (holidays.has(kept.weekdays[i] as string) !== kept.wereHolidays[i]) return false;
  return true;
}

/** T+2 from the KST day `kstDay` (days since the epoch): the calendar walk krxSettlementDate keeps. */
function walkSettlementDate(kstDay: number, holidays: ReadonlySet<string>): KeptSettlement {
  const weekdays: string[] = [];
  const wereHolidays: boolean[] = [];
  let date = kstDay * DAY_MS;
  for (let businessDays = 0; businessDays < 2; ) {
    date += DAY_MS;
    const weekday = new Date(date).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    const iso = new Date(date).toISOString().slice(0, 10);
    const holiday = holidays.has(iso);
    weekdays.push(iso);
    wereHolidays.push(holiday);
    if (!holiday) businessDays++;
  }
  return { kstDay, date: weekdays[weekdays.length - 1] as string, weekdays, wereHolidays };
}

const NO_HOLIDAYS: ReadonlySet<string> = new Set();

/**
 * The rate a sell of a `market` stock traded at `tsNs` pays: the one in force
 * on its settlement date (see above); an error before the table's first row.
 */
export function krxTaxRate(
  market: KrxMarket,
  tsNs: bigint,
  table: readonly KrxTaxRate[] = KRX_TAX_RATES,
  holidays: ReadonlySet<string> = NO_HOLIDAYS,
): KrxTaxRate {
  const date = krxSettlementDate(tsNs, holidays);
  let found: KrxTaxRate | undefined;
  for (const r of table) if (r.market === market && r.from <= date && (!found || r.from >= found.from)) found = r;
  if (!found)
    throw new Error(
      `no KRX sell tax rate for ${market} on ${date} (the settlement date of a trade on ${kstDate(tsNs)})`,
    );
  return found;
}

/**
 * The tax on a sell of `amount` KRW, as Korean brokers withhold it: each tax
 * on the sell amount, truncated below 1 won (원 미만 절사), then added.
 */
export function krxSellTax(rate: KrxTaxRate, amount: Fixed): Fixed {
  return (
    truncateToWon(fx.mul(amount, fx.toFixed(rate.transactionTax))) +
    truncateToWon(fx.mul(amount, fx.toFixed(rate.ruralTax)))
  );
}

/** Drops what is below 1 won (toward zero): KRW fees and taxes are charged in whole won. */
export function truncateToWon(amount: Fixed): Fixed {
  return fx.floorTo(amount, fx.SCALE);
}

/**
 * Rows from configuration, added to (or replacing, same market and date) the
 * table: `MARKET:YYYY-MM-DD:STT[+RURAL],...`, e.g.
 * `KOSPI:2027-01-01:0.0008+0.0015,KOSDAQ:2027-01-01:0.0023`. Every mistake
 * is reported at once.
 */
export function parseKrxTaxRates(raw: string, base: readonly KrxTaxRate[] = KRX_TAX_RATES): KrxTaxRate[] {
  const rows = new Map(base.map((r) => [`${r.market}|${r.from}`, r]));
  const problems: string[] = [];
  for (const entry of raw
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [market, from, rates, extra] = entry.split(":");
    const [transactionTax = "", ruralTax = "0", more] = (rates ?? "").split("+");
    const isRate = (v: string) => new RegExp(fx.DECIMAL_PATTERN).test(v) && !v.startsWith("-");
    if (
      extra !== undefined ||
      more !== undefined ||
      !KRX_MARKETS.includes(market as KrxMarket) ||
      !DATE.test(from ?? "") ||
      !isRate(transactionTax) ||
      !isRate(ruralTax)
    ) {
      problems.push(
        `${JSON.stringify(entry)} is not MARKET:YYYY-MM-DD:RATE[+RURAL] (MARKET one of ${KRX_MARKETS.join(", ")})`,
      );
      continue;
    }
    rows.set(`${market}|${from}`, row(market as KrxMarket, from as string, transactionTax, ruralTax));
  }
  if (problems.length > 0) throw new Error(`KRX_SELL_TAX_RATES: ${problems.join("; ")}`);
  return [...rows.values()];
}

/** `KRX_SELL_TAX_RATES` as a config field: loadConfig reports a bad value with every other problem at start. */
export const krxTaxRatesConfig = {
  read: (raw: string | undefined): KrxTaxRate[] => parseKrxTaxRates(raw ?? ""),
};
