import { describe, expect, it } from "bun:test";
import { fillFixture } from "@jts/kit/testing";
import type { AccountSeed } from "./ledger.ts";
import { MemoryPortfolioRepository } from "./memory-repository.ts";
import { Portfolio } from "./portfolio.ts";
import { CachedPortfolioRepository } from "./read-model.ts";

const seeds: AccountSeed[] = [
  { id: "acc", owner: "alice", venue: "sim", baseCurrency: "KRW", startingCash: "100000000" },
  { id: "bob-acc", owner: "bob", venue: "sim", baseCurrency: "KRW", startingCash: "100000000" },
];
let n = 0;
const buy = (account: string, quantity: string, symbol = "BTC-KRW") =>
  fillFixture({
    id: `pv-${++n}`,
    account,
    symbol,
    side: "BUY",
    price: "70000",
    quantity,
    fee: "0",
    tsEvent: `17642364000000000${String(n).padStart(2, "0")}`,
  });

async function openPortfolio() {
  const stored = new MemoryPortfolioRepository();
  const cached = new CachedPortfolioRepository(stored, { maxAgeMs: 0 });
  const portfolio = new Portfolio(cached);
  await portfolio.open(seeds);
  await portfolio.applyFill(buy("acc", "2"));
  await portfolio.applyFill(buy("bob-acc", "1"));
  return { portfolio, cached };
}

describe("positions answered from memory (PositionsView)", () => {
  it("answers the same frozen list while nothing changed, per account filter", async () => {
    const { portfolio } = await openPortfolio();
    const all = await portfolio.listPositions();
    const alice = await portfolio.listPositions(["acc"]);
    expect(await portfolio.listPositions()).toBe(all);
    expect(await portfolio.listPositions(["acc"])).toBe(alice);
    expect(alice.map((p) => p.account)).toEqual(["acc"]);
    expect(all.map((p) => p.account)).toEqual(["acc", "bob-acc"]);
    // One formatted position shared by both lists, and nothing in them can be changed.
    expect(all[0]).toBe(alice[0] as (typeof all)[0]);
    expect(Object.isFrozen(all) && Object.isFrozen(all[0])).toBe(true);
    expect(() => {
      (all as unknown as string[]).push("x");
    }).toThrow();
  });

  it("answers a new list after a fill (a write), keeping the positions it did not touch", async () => {
    const { portfolio } = await openPortfolio();
    const before = await portfolio.listPositions();
    await portfolio.applyFill(buy("acc", "3"));
    const after = await portfolio.listPositions();
    expect(after).not.toBe(before);
    expect(after.map((p) => p.quantity)).toEqual(["5", "1"]);
    expect(after[1]).toBe(before[1] as (typeof before)[1]);
    // A new position (opened last) is a new list too.
    await portfolio.applyFill(buy("acc", "1", "ETH-KRW"));
    expect((await portfolio.listPositions()).map((p) => p.symbol)).toEqual(["BTC-KRW", "BTC-KRW", "ETH-KRW"]);
  });

  it("answers a new list after a mark moves the last price, and the same one for a tick at the same price", async () => {
    const { portfolio } = await openPortfolio();
    const before = await portfolio.listPositions(["acc"]);
    portfolio.markPrice("BTC-KRW", "70000", "1764236400000000099");
    expect(await portfolio.listPositions(["acc"])).toBe(before);
    portfolio.markPrice("BTC-KRW", "71000", "1764236400000000100");
    const after = await portfolio.listPositions(["acc"]);
    expect(after).not.toBe(before);
    expect(after[0]).toMatchObject({ lastPrice: "71000", unrealizedPnl: "2000" });
  });

  it("answers what the stored books hold after memory is dropped (another replica wrote)", async () => {
    const { portfolio, cached } = await openPortfolio();
    const before = await portfolio.listPositions(["acc"]);
    // Another process applied a fill to the same books: only the stored repository saw it.
    await cached.stored.transaction(async (tx) => {
      const p = await tx.position("acc", "BTC-KRW");
      if (p) await tx.savePosition({ ...p, quantity: p.quantity * 2n, updatedAt: "1764236400000000200" });
    });
    expect(await portfolio.listPositions(["acc"])).toBe(before);
    cached.invalidate();
    expect((await portfolio.listPositions(["acc"])).map((p) => p.quantity)).toEqual(["4"]);
  });

  it("answers fresh objects to a consistent read (risk and the OMS may keep and change them)", async () => {
    const { portfolio } = await openPortfolio();
    const first = await portfolio.listPositions(["acc"], true);
    const second = await portfolio.listPositions(["acc"], true);
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    expect(Object.isFrozen(first) || Object.isFrozen(first[0])).toBe(false);
  });
});
