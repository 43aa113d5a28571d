import { describe, expect, it } from "bun:test";
import { type Account, type Fill, fx } from "@jts/contracts";
import { fillFixture } from "@jts/kit/testing";
import { equityOf } from "./equity.ts";
import type { PositionState } from "./ledger.ts";
import { parseAccountSeeds } from "./seeds.ts";
import { appliedPosition, memoryPortfolio } from "./testing/memory-portfolio.ts";

const account = (balances: Array<[string, string]>): Account => ({
  id: "multi",
  owner: "alice",
  venue: "paper",
  kind: "CASH",
  baseCurrency: "KRW",
  mode: "PAPER",
  balances: balances.map(([currency, total]) => ({ account: "multi", currency, total, free: total, locked: "0" })),
});

const position = (symbol: string, currency: string, quantity: string, average: string, last: string | null) =>
  ({
    account: "multi",
    symbol,
    venue: "paper",
    currency,
    quantity: fx.toFixed(quantity),
    averagePrice: fx.toFixed(average),
    realized: 0n,
    lastPrice: last === null ? null : fx.toFixed(last),
    updatedAt: "1",
  }) satisfies PositionState;

describe("equity per currency", () => {
  it("adds each position's market value to the cash of its own currency, never across currencies", () => {
    const snapshots = equityOf(
      account([
        ["KRW", "1000000"],
        ["USDT", "250.5"],
        ["USD", "-10"],
      ]),
      [
        position("005930", "KRW", "3", "70000", "71000.5"), // 213001.5 KRW
        position("BTC-USDT", "USDT", "0.015", "60000", "61234.56789"), // 918.51851835 USDT
        position("ETH-USDT", "USDT", "-0.5", "3000", "2900"), // short: -1450 USDT
        position("AAPL", "USD", "2", "190", null), // no price yet: average, 380 USD
        position("XRP-KRW", "KRW", "0", "0", "800"), // closed: nothing
        { ...position("OTHER", "KRW", "100", "1", "1"), account: "someone-else" },
      ],
      "1764236400000000000",
    );
    expect(snapshots).toEqual([
      { account: "multi", currency: "KRW", equity: "1213001.5", ts: "1764236400000000000" },
      { account: "multi", currency: "USDT", equity: "-280.98148165", ts: "1764236400000000000" },
      { account: "multi", currency: "USD", equity: "370", ts: "1764236400000000000" },
    ]);
  });

  it("lists a currency held only in positions after the cash currencies, by name", () => {
    const snapshots = equityOf(
      account([["KRW", "5"]]),
      [position("B", "USDT", "1", "2", "2"), position("A", "USD", "1", "3", "3")],
      "7",
    );
    expect(snapshots.map((s) => [s.currency, s.equity])).toEqual([
      ["KRW", "5"],
      ["USD", "3"],
      ["USDT", "2"],
    ]);
  });

  it("moves value from cash into a bought position, so equity loses only the fee", async () => {
    const portfolio = await memoryPortfolio([
      { id: "multi", owner: "a", venue: "paper", baseCurrency: "USDT", startingCash: "1000" },
    ]);
    const fill = (id: string, side: "BUY" | "SELL"): Fill =>
      fillFixture({
        id,
        orderId: id,
        clientOrderId: id,
        account: "multi",
        venue: "paper",
        symbol: "BTC-USDT",
        side,
        price: "50000",
        quantity: "0.01",
        fee: "0.25",
        feeCurrency: "USDT",
      });
    await appliedPosition(portfolio, fill("b", "BUY"));
    const [acc] = await portfolio.listAccounts();
    const open = (await portfolio.listPositions()).map((p) => ({
      ...position(p.symbol, p.currency, p.quantity, p.averagePrice, p.lastPrice),
    }));
    // Cash 499.75 + 0.01 x 50000 = 999.75: equity only lost the fee.
    expect(equityOf(acc as Account, open, "2")).toEqual([
      { account: "multi", currency: "USDT", equity: "999.75", ts: "2" },
    ]);
  });
});

describe("account seeds from configuration", () => {
  it("reads several accounts in several currencies and refuses a malformed entry", () => {
    expect(parseAccountSeeds(" paper-usdt:admin:paper:USDT:10000 , paper-usd:alice:sim:USD:0.5,")).toEqual([
      { id: "paper-usdt", owner: "admin", venue: "paper", baseCurrency: "USDT", startingCash: "10000" },
      { id: "paper-usd", owner: "alice", venue: "sim", baseCurrency: "USD", startingCash: "0.5" },
    ]);
    expect(parseAccountSeeds("")).toEqual([]);
    expect(() => parseAccountSeeds("x:admin:nowhere:USD:1")).toThrow('"x:admin:nowhere:USD:1"');
    expect(() => parseAccountSeeds("x:admin:sim:usd:1")).toThrow();
    expect(() => parseAccountSeeds("x:admin:sim:USD:-1")).toThrow();
  });
});
