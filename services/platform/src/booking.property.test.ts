import { describe, expect, it } from "bun:test";
import { PaperLedger } from "@jts/broker-paper";
import { currenciesOf, type Fill, type Fixed, fx, type Instrument, parseFill } from "@jts/contracts";
import { Ledger as PortfolioLedger } from "@jts/portfolio-tracker";
import { AccountBook } from "@jts/risk-management";
import { PnlBook } from "@jts/strategy-engine";

/**
 * Issue 13 item 4: the portfolio, risk, the paper venue and a strategy's P&L
 * book every fill by one rule (contracts/src/booking.ts). Random fills
 * (partials, flips long -> short and back, fees in the quote, the base or
 * BNB) go through all four books, which must agree with each other and with
 * a plain reference sum of cash and quantities kept here.
 */

const ACCOUNT = "acc";
/** What the account starts with; every other currency starts at 0 (a ledger may go below it). */
const START: Record<string, string> = { USDT: "100000" };

const instrument = (symbol: string, kind: Instrument["kind"]): Instrument => {
  const { base, quote } = currenciesOf(symbol);
  return {
    symbol,
    venue: "paper",
    kind,
    base,
    quote,
    tickSize: "0.000001",
    lotSize: "0.00000001",
    minQuantity: "0.00000001",
    maxQuantity: "1000000",
    minNotional: "0",
    makerFee: "0",
    takerFee: "0",
  };
};
const INSTRUMENTS = [
  instrument("ETH-USDT", "CRYPTO"),
  instrument("BTC-USDT", "CRYPTO"),
  instrument("BTC-KRW", "CRYPTO"),
  instrument("005930", "STOCK"),
];
const PRICE: Record<string, number> = { "ETH-USDT": 2000, "BTC-USDT": 90000, "BTC-KRW": 140_000_000, "005930": 70000 };

/** mulberry32: a small seeded generator, so a failing seed replays exactly. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A decimal string from an integer count of 10^-digits units (no float ever reaches a money value). */
const units = (count: number, digits: number) => fx.fromFixed(BigInt(count) * 10n ** BigInt(9 - digits));

function randomFills(seed: number, count: number): Fill[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  const fills: Fill[] = [];
  for (let i = 0; i < count; i++) {
    const spec = pick(INSTRUMENTS);
    const stock = spec.kind === "STOCK";
    // Small partials and large fills that flip the position; stocks in whole shares.
    const quantity = stock ? units(1 + Math.floor(next() * 40), 0) : units(1 + Math.floor(next() * 3e8), 8);
    const base = PRICE[spec.symbol] as number;
    const price = units(Math.floor(base * (0.8 + next() * 0.4) * 1e6), 6);
    const feeCurrency = stock ? "KRW" : pick([spec.quote, spec.quote, spec.base, "BNB"]);
    const fee = next() < 0.1 ? "0" : units(Math.floor(next() * 1e7), 8);
    fills.push({
      id: `f${seed}-${i}`,
      orderId: `o${i}`,
      clientOrderId: `c${i}`,
      account: ACCOUNT,
      venue: "paper",
      symbol: spec.symbol,
      side: next() < 0.5 ? "BUY" : "SELL",
      price,
      quantity,
      fee,
      feeCurrency,
      liquidity: "TAKER",
      strategyId: null,
      tsEvent: `${1_700_000_000_000_000_000n + BigInt(i)}`,
    });
  }
  return fills;
}

/** The reference: cash per currency and quantity per symbol as plain sums of what each fill moves. */
function reference(fills: readonly Fill[]) {
  const cash = new Map(Object.entries(START).map(([c, v]) => [c, fx.toFixed(v)]));
  const quantity = new Map<string, Fixed>();
  const otherFees = new Map<string, Fixed>();
  const add = (map: Map<string, Fixed>, key: string, amount: Fixed) => map.set(key, (map.get(key) ?? 0n) + amount);
  for (const f of fills) {
    const { quote } = currenciesOf(f.symbol);
    const notional = fx.mul(fx.toFixed(f.price), fx.toFixed(f.quantity));
    add(cash, quote, f.side === "BUY" ? -notional : notional);
    add(cash, f.feeCurrency, -fx.toFixed(f.fee));
    add(quantity, f.symbol, f.side === "BUY" ? fx.toFixed(f.quantity) : -fx.toFixed(f.quantity));
    if (f.feeCurrency !== quote) add(otherFees, `${f.symbol}|${f.feeCurrency}`, fx.toFixed(f.fee));
  }
  return { cash, quantity, otherFees };
}

function driveAllBooks(fills: readonly Fill[]) {
  const portfolio = new PortfolioLedger([
    { id: ACCOUNT, owner: "alice", venue: "paper", baseCurrency: "USDT", startingCash: START.USDT as string },
  ]);
  const risk = new AccountBook(ACCOUNT);
  risk.seedAccount({
    id: ACCOUNT,
    owner: "alice",
    venue: "paper",
    kind: "CASH",
    baseCurrency: "USDT",
    mode: "PAPER",
    balances: Object.entries(START).map(([currency, total]) => ({
      account: ACCOUNT,
      currency,
      total,
      free: total,
      locked: "0",
    })),
  });
  const paper = new PaperLedger({ [ACCOUNT]: START });
  const strategies = new Map(INSTRUMENTS.map((i) => [i.symbol, new PnlBook()]));
  for (const [i, f] of fills.entries()) {
    portfolio.applyFill(f);
    risk.applyFill(f);
    const spec = INSTRUMENTS.find((s) => s.symbol === f.symbol) as Instrument;
    paper.book(ACCOUNT, spec, parseFill(f), BigInt(i));
    strategies.get(f.symbol)?.onFill(parseFill(f));
  }
  return { portfolio, risk, paper, strategies };
}

const cashMap = (balances: { currency: string; total: string }[]) =>
  new Map(balances.map((b) => [b.currency, fx.toFixed(b.total)]));
const nonZero = (map: ReadonlyMap<string, Fixed>) => new Map([...map].filter(([, v]) => v !== 0n));

function checkAgreement(seed: number, count: number) {
  const fills = randomFills(seed, count);
  const expected = reference(fills);
  const { portfolio, risk, paper, strategies } = driveAllBooks(fills);

  // Cash per currency: portfolio = risk = reference; the paper venue's wallet also holds each crypto base.
  const portfolioCash = cashMap(portfolio.listAccounts()[0]?.balances ?? []);
  expect(nonZero(portfolioCash)).toEqual(nonZero(expected.cash));
  expect(nonZero(risk.cash ?? new Map())).toEqual(nonZero(expected.cash));
  const wallet = new Map(expected.cash);
  for (const spec of INSTRUMENTS)
    if (spec.kind === "CRYPTO")
      wallet.set(spec.base, (wallet.get(spec.base) ?? 0n) + (expected.quantity.get(spec.symbol) ?? 0n));
  expect(nonZero(cashMap(paper.balances(ACCOUNT, new Map())))).toEqual(nonZero(wallet));

  // Position, average and realized P&L per symbol, in the symbol's quote currency everywhere.
  const realizedByQuote = new Map<string, Fixed>();
  const paperPositions = paper.positions(ACCOUNT, () => null);
  for (const spec of INSTRUMENTS) {
    const quantity = expected.quantity.get(spec.symbol) ?? 0n;
    const p = portfolio.listPositions().find((x) => x.symbol === spec.symbol);
    if (!p) {
      expect(fills.some((f) => f.symbol === spec.symbol)).toBe(false);
      continue;
    }
    const v = paperPositions.find((x) => x.symbol === spec.symbol);
    const r = risk.holdings.get(spec.symbol);
    const s = strategies.get(spec.symbol) as PnlBook;
    expect(fx.toFixed(p.quantity)).toBe(quantity);
    expect(p.currency).toBe(spec.quote);
    expect(r?.quantity).toBe(quantity);
    expect(r?.quote).toBe(spec.quote);
    expect(s.position).toBe(quantity);
    const average = fx.toFixed(p.averagePrice);
    expect([r?.averagePrice, s.averagePrice]).toEqual([average, average]);
    const realized = fx.toFixed(p.realizedPnl);
    expect(s.realized - s.fees).toBe(realized);
    if (v) {
      expect([fx.toFixed(v.quantity), fx.toFixed(v.averagePrice), fx.toFixed(v.realizedPnl), v.currency]).toEqual([
        quantity,
        average,
        realized,
        spec.quote,
      ]);
    } else expect([quantity, realized]).toEqual([0n, 0n]);
    for (const [currency, fee] of s.otherFees) expect(expected.otherFees.get(`${spec.symbol}|${currency}`)).toBe(fee);
    realizedByQuote.set(spec.quote, (realizedByQuote.get(spec.quote) ?? 0n) + realized);
  }
  expect(nonZero(risk.realized)).toEqual(nonZero(realizedByQuote));
}

describe("one booking rule across the portfolio, risk, the paper venue and strategy P&L", () => {
  it("agrees on cash per currency, positions and realized P&L over random fills", () => {
    for (let seed = 1; seed <= 200; seed++) checkAgreement(seed, 1 + (seed % 60));
  });

  it("exercises what it claims: flips, partial closes, and fees in the quote, the base and BNB", () => {
    const fills = Array.from({ length: 200 }, (_, seed) => randomFills(seed + 1, 1 + ((seed + 1) % 60))).flat();
    const feeKinds = new Set(
      fills.map((f) => {
        const { base, quote } = currenciesOf(f.symbol);
        return f.feeCurrency === quote ? "quote" : f.feeCurrency === base ? "base" : f.feeCurrency;
      }),
    );
    expect([...feeKinds].sort()).toEqual(["BNB", "base", "quote"]);
    let flips = 0;
    let partialCloses = 0;
    const position = new Map<string, Fixed>();
    for (const f of fills) {
      const before = position.get(`${f.id.split("-")[0]}|${f.symbol}`) ?? 0n;
      const signed = f.side === "BUY" ? fx.toFixed(f.quantity) : -fx.toFixed(f.quantity);
      const after = before + signed;
      if (before !== 0n && after !== 0n && before > 0n !== after > 0n) flips++;
      if (before !== 0n && before > 0n !== signed > 0n && fx.abs(signed) < fx.abs(before)) partialCloses++;
      position.set(`${f.id.split("-")[0]}|${f.symbol}`, after);
    }
    expect(flips).toBeGreaterThan(50);
    expect(partialCloses).toBeGreaterThan(50);
  });

  it("once flat, realized P&L is the cash the trades made less the fees in the quote (average cost loses nothing)", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const fills = randomFills(seed, 40).filter((f) => f.symbol === "ETH-USDT");
      const open = fills.reduce(
        (q, f) => q + (f.side === "BUY" ? fx.toFixed(f.quantity) : -fx.toFixed(f.quantity)),
        0n,
      );
      if (open !== 0n) {
        const close = { ...(fills[0] as Fill), id: `close-${seed}`, fee: "0", feeCurrency: "USDT" };
        fills.push({ ...close, side: open > 0n ? "SELL" : "BUY", quantity: fx.fromFixed(fx.abs(open)), price: "2000" });
      }
      const expected = reference(fills);
      const { portfolio } = driveAllBooks(fills);
      const realized = fx.toFixed(portfolio.listPositions()[0]?.realizedPnl ?? "0");
      const usdtFromTrades = (expected.cash.get("USDT") ?? 0n) - fx.toFixed(START.USDT as string);
      // Each fill rounds its notional, its average and its realized P&L to 1e-9: allow 1e-8 per fill, no more.
      expect(fx.abs(realized - usdtFromTrades)).toBeLessThanOrEqual(BigInt(fills.length) * 10n);
    }
  });
});
