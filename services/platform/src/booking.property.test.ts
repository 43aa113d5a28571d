import { describe, expect, it } from "bun:test";
import { PaperLedger } from "@jts/broker-paper";
import { currenciesOf, type Fill, type Fixed, fx, type Instrument, parseFill } from "@jts/contracts";
import { fillFixture } from "@jts/kit/testing";
import { appliedPosition, memoryPortfolio } from "@jts/portfolio-tracker/testing";
import { AccountBook } from "@jts/risk-management";
import { PnlBook } from "@jts/strategy-engine";

/**
 * Issue 13 item 4: the portfolio, risk, the paper venue and a strategy's P&L
 * book every fill by one rule (contracts/src/booking.ts). Random fills
 * (partials, flips long -> short and back, fees in the quote, the base or
 * BNB) go through all four books, which must agree with each other exactly
 * and with an independent reference model kept here (`reference`): plain
 * exact-fraction arithmetic written from the definition of the rule, calling
 * nothing of contracts/src/booking.ts, so a wrong shared rule cannot pass by
 * being wrong the same way in every book.
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
    // A fee in the base is a part of the quantity (up to 0.2%), as a venue charges it; others up to 0.1 of their currency.
    const baseFee = () => fx.fromFixed((fx.toFixed(quantity) * BigInt(Math.floor(next() * 2000))) / 1_000_000n);
    const fee = next() < 0.1 ? "0" : feeCurrency === spec.base ? baseFee() : units(Math.floor(next() * 1e7), 8);
    fills.push(
      fillFixture({
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
        tsEvent: `${1_700_000_000_000_000_000n + BigInt(i)}`,
      }),
    );
  }
  return fills;
}

/** An exact fraction n/d (d > 0): the reference model never rounds, so it cannot share the books' roundings either. */
interface Ratio {
  n: bigint;
  d: bigint;
}
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
const ratio = (n: bigint, d = 1n): Ratio => {
  const g = gcd(n, d) || 1n;
  return d < 0n ? { n: -n / g, d: -d / g } : { n: n / g, d: d / g };
};
const ZERO = ratio(0n);
const dec = (s: string): Ratio => {
  const [whole = "0", fraction = ""] = s.replace("-", "").split(".");
  const r = ratio(BigInt(whole + fraction), 10n ** BigInt(fraction.length));
  return s.startsWith("-") ? neg(r) : r;
};
const add = (a: Ratio, b: Ratio) => ratio(a.n * b.d + b.n * a.d, a.d * b.d);
const neg = (a: Ratio) => ratio(-a.n, a.d);
const sub = (a: Ratio, b: Ratio) => add(a, neg(b));
const times = (a: Ratio, b: Ratio) => ratio(a.n * b.n, a.d * b.d);
const over = (a: Ratio, b: Ratio) => ratio(a.n * b.d, a.d * b.n);
const sign = (a: Ratio) => (a.n > 0n ? 1 : a.n < 0n ? -1 : 0);
const absR = (a: Ratio) => (a.n < 0n ? neg(a) : a);
const less = (a: Ratio, b: Ratio) => a.n * b.d < b.n * a.d;
/** The distance from a book's fixed-point value (1e-9 units) to the exact one, in 1e-9 units. */
const off = (book: Fixed, exact: Ratio) => fx.abs(book * exact.d - exact.n * 10n ** 9n) / exact.d;

interface ModelPosition {
  quantity: Ratio;
  average: Ratio;
  /** Realized P&L in the quote, every fee that has a price in the quote taken off. */
  realized: Ratio;
}

/**
 * The reference, from the rule's definition. Per fill: the quote's cash moves
 * by price x quantity; the venue credits the base bought less a fee in the
 * base, or debits the base sold plus it; a fee in the quote or a third
 * currency comes off that cash. Average cost: a move with the position (or
 * from flat) re-averages the entry; one against it realizes
 * (price - average) x the closed part on the long side (average - price on
 * the short) and opens what is beyond at the fill price. Realized P&L loses
 * the fee: as it is in the quote, times the fill price in the base.
 */
function reference(fills: readonly Fill[]) {
  const cash = new Map<string, Ratio>(Object.entries(START).map(([c, v]) => [c, dec(v)]));
  const positions = new Map<string, ModelPosition>();
  const otherFees = new Map<string, Ratio>();
  const credit = (map: Map<string, Ratio>, key: string, amount: Ratio) =>
    map.set(key, add(map.get(key) ?? ZERO, amount));
  for (const f of fills) {
    const [base, quote] = /^[0-9]{6}$/.test(f.symbol) ? [f.symbol, "KRW"] : (f.symbol.split("-") as [string, string]);
    const price = dec(f.price);
    const quantity = dec(f.quantity);
    const fee = dec(f.fee);
    const buy = f.side === "BUY";
    credit(cash, quote, buy ? neg(times(price, quantity)) : times(price, quantity));
    let move = buy ? quantity : neg(quantity);
    let feeInQuote = ZERO;
    if (f.feeCurrency === base) {
      move = sub(move, fee); // less credited on a buy, more debited on a sell
      feeInQuote = times(fee, price);
    } else {
      credit(cash, f.feeCurrency, neg(fee));
      if (f.feeCurrency === quote) feeInQuote = fee;
      else credit(otherFees, `${f.symbol}|${f.feeCurrency}`, fee);
    }
    const p = positions.get(f.symbol) ?? { quantity: ZERO, average: ZERO, realized: ZERO };
    const held = absR(p.quantity);
    if (sign(p.quantity) === 0 || sign(p.quantity) === sign(move)) {
      p.average = over(add(times(held, p.average), times(absR(move), price)), add(held, absR(move)));
    } else {
      const closed = less(held, absR(move)) ? held : absR(move);
      const perUnit = sign(p.quantity) > 0 ? sub(price, p.average) : sub(p.average, price);
      p.realized = add(p.realized, times(closed, perUnit));
      if (less(held, absR(move))) p.average = price;
      else if (!less(absR(move), held)) p.average = ZERO;
    }
    p.quantity = add(p.quantity, move);
    p.realized = sub(p.realized, feeInQuote);
    positions.set(f.symbol, p);
  }
  return { cash, positions, otherFees };
}

async function driveAllBooks(fills: readonly Fill[]) {
  const portfolio = await memoryPortfolio([
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
    await appliedPosition(portfolio, f);
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

/** A fixed-point book value within `tolerance` units of 1e-9 of the model's exact one. */
function expectNear(what: string, book: Fixed, exact: Ratio, tolerance: bigint) {
  const distance = off(book, exact);
  if (distance > tolerance)
    throw new Error(`${what}: book ${fx.fromFixed(book)}, reference ${exact.n}/${exact.d} (${distance}e-9 apart)`);
}
const exactFixed = (r: Ratio): Fixed => {
  if ((r.n * 10n ** 9n) % r.d !== 0n) throw new Error(`${r.n}/${r.d} is not a 9-digit decimal`);
  return (r.n * 10n ** 9n) / r.d;
};

async function checkAgreement(seed: number, count: number) {
  const fills = randomFills(seed, count);
  const model = reference(fills);
  const { portfolio, risk, paper, strategies } = await driveAllBooks(fills);
  // Each fill rounds a notional, an average and a realized amount to 1e-9: 100e-9 per fill is generous for that and
  // tiny beside any rule error (the smallest fee here moves a realized P&L by far more).
  const tolerance = BigInt(fills.length) * 100n;

  // Cash per currency: portfolio = risk exactly, both = the model; the paper venue's wallet also holds each crypto base.
  const portfolioCash = nonZero(cashMap((await portfolio.listAccounts())[0]?.balances ?? []));
  expect(nonZero(risk.cash ?? new Map())).toEqual(portfolioCash);
  const modelCash = [...model.cash].filter(([, v]) => v.n !== 0n);
  expect([...portfolioCash.keys()].sort()).toEqual(modelCash.map(([c]) => c).sort());
  for (const [currency, exact] of modelCash)
    expectNear(`cash ${currency}`, portfolioCash.get(currency) ?? 0n, exact, tolerance);
  const wallet = new Map(portfolioCash);
  for (const spec of INSTRUMENTS)
    if (spec.kind === "CRYPTO") {
      const held = model.positions.get(spec.symbol)?.quantity ?? ZERO;
      wallet.set(spec.base, (wallet.get(spec.base) ?? 0n) + exactFixed(held));
    }
  expect(nonZero(cashMap(paper.balances(ACCOUNT, new Map())))).toEqual(nonZero(wallet));

  // Position, average and realized P&L per symbol, in the symbol's quote currency: the four books exactly alike,
  // the quantity exactly the model's, the average and realized P&L within rounding of it.
  const realizedByQuote = new Map<string, Fixed>();
  const paperPositions = paper.positions(ACCOUNT, () => null);
  const portfolioPositions = await portfolio.listPositions();
  for (const spec of INSTRUMENTS) {
    const m = model.positions.get(spec.symbol);
    const p = portfolioPositions.find((x) => x.symbol === spec.symbol);
    if (!p || !m) {
      expect([p, m]).toEqual([undefined, undefined]);
      continue;
    }
    const quantity = exactFixed(m.quantity);
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
    expectNear(`${spec.symbol} average`, average, m.average, tolerance);
    const realized = fx.toFixed(p.realizedPnl);
    expect(s.realized - s.fees).toBe(realized);
    expectNear(`${spec.symbol} realized`, realized, m.realized, tolerance);
    if (v) {
      expect([fx.toFixed(v.quantity), fx.toFixed(v.averagePrice), fx.toFixed(v.realizedPnl), v.currency]).toEqual([
        quantity,
        average,
        realized,
        spec.quote,
      ]);
    } else expect([quantity, realized]).toEqual([0n, 0n]);
    const modelOther = [...model.otherFees].filter(([key, fee]) => key.startsWith(`${spec.symbol}|`) && fee.n !== 0n);
    expect([...s.otherFees].map(([c, fee]) => [`${spec.symbol}|${c}`, fee])).toEqual(
      modelOther.map(([key, fee]) => [key, exactFixed(fee)]),
    );
    realizedByQuote.set(spec.quote, (realizedByQuote.get(spec.quote) ?? 0n) + realized);
  }
  expect(nonZero(risk.realized)).toEqual(nonZero(realizedByQuote));
}

describe("one booking rule across the portfolio, risk, the paper venue and strategy P&L", () => {
  it("agrees with each other and with the reference model on cash, positions, averages and realized P&L", async () => {
    for (let seed = 1; seed <= 200; seed++) await checkAgreement(seed, 1 + (seed % 60));
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
    expect(fills.filter((f) => f.feeCurrency === currenciesOf(f.symbol).base && f.fee !== "0").length).toBeGreaterThan(
      50,
    );
  });

  it("once flat, realized P&L is the cash the trades made, a fee in the base included (average cost loses nothing)", async () => {
    for (let seed = 1; seed <= 50; seed++) {
      const fills = randomFills(seed, 40).filter((f) => f.symbol === "ETH-USDT" && f.feeCurrency !== "BNB");
      const open = exactFixed(reference(fills).positions.get("ETH-USDT")?.quantity ?? ZERO);
      if (open !== 0n) {
        const close = { ...(fills[0] as Fill), id: `close-${seed}`, fee: "0", feeCurrency: "USDT" };
        fills.push({ ...close, side: open > 0n ? "SELL" : "BUY", quantity: fx.fromFixed(fx.abs(open)), price: "2000" });
      }
      const { portfolio } = await driveAllBooks(fills);
      const [position] = await portfolio.listPositions();
      expect(position?.quantity ?? "0").toBe("0");
      const realized = fx.toFixed(position?.realizedPnl ?? "0");
      const usdt = cashMap((await portfolio.listAccounts())[0]?.balances ?? []).get("USDT") ?? 0n;
      const usdtFromTrades = usdt - fx.toFixed(START.USDT as string);
      // Each fill rounds its notional, its average and its realized P&L to 1e-9: allow 1e-8 per fill, no more.
      expect(fx.abs(realized - usdtFromTrades)).toBeLessThanOrEqual(BigInt(fills.length) * 10n);
    }
  });
});
