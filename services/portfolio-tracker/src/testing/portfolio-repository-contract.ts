import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { type Fill, type Fixed, fx, nowNsString } from "@jts/contracts";
import { fillFixture } from "@jts/kit/testing";
import {
  type AccountSeed,
  applyFillToPosition,
  cashBalance,
  cashDeltas,
  markPosition,
  type PositionState,
  positionKey,
  sortBalances,
  toPosition,
} from "../ledger.ts";
import { FILL_CONSUMER, Portfolio } from "../portfolio.ts";
import type { PortfolioRepository, PortfolioTransaction } from "../repository.ts";

export interface PortfolioHarness {
  /** A repository on empty books. */
  repository: PortfolioRepository;
  /** Another repository on the same books, as a second process or a restart would open them. */
  reopen(): PortfolioRepository;
  close(): Promise<void>;
}

const seed = (overrides: Partial<AccountSeed> = {}): AccountSeed => ({
  id: "acc",
  owner: "alice",
  venue: "sim",
  baseCurrency: "KRW",
  startingCash: "10000000",
  ...overrides,
});

let n = 0;
const fill = (side: "BUY" | "SELL", quantity: string, price: string, overrides: Partial<Fill> = {}): Fill =>
  fillFixture({
    id: `f-${++n}`,
    orderId: "o",
    clientOrderId: "c",
    side,
    price,
    quantity,
    tsEvent: `17642364000000000${String(n).padStart(2, "0")}`,
    ...overrides,
  });

const state = (overrides: Partial<PositionState> = {}): PositionState => ({
  account: "acc",
  symbol: "005930",
  venue: "sim",
  currency: "KRW",
  quantity: fx.toFixed("10"),
  averagePrice: fx.toFixed("70000"),
  realized: 0n,
  lastPrice: fx.toFixed("70000"),
  updatedAt: "1764236400000000001",
  ...overrides,
});

const cashOf = async (repo: PortfolioRepository, account = "acc") =>
  (await repo.listAccounts([account]))[0]?.balances.map((b) => [b.currency, b.total]);

/** The one suite every PortfolioRepository passes (in-memory, PostgreSQL), and the Portfolio on top of it. */
export function portfolioRepositoryContract(name: string, open: () => Promise<PortfolioHarness>) {
  describe(`PortfolioRepository contract: ${name}`, () => {
    let h: PortfolioHarness;
    let repo: PortfolioRepository;
    beforeEach(async () => {
      h = await open();
      repo = h.repository;
    });
    afterEach(async () => {
      await h.close();
    });

    const inTx = <T>(work: (tx: PortfolioTransaction) => Promise<T>) => repo.transaction(work);

    it("seeds accounts with their starting cash and leaves existing ones as they are", async () => {
      expect(
        await repo.seed([seed(), seed({ id: "usd", owner: "bob", baseCurrency: "USDT", startingCash: "0.5" })]),
      ).toEqual(["acc", "usd"]);
      await inTx((tx) => tx.addCash("acc", "KRW", fx.toFixed("-2500.25")));
      const again = await repo.seed([
        seed({ startingCash: "1", owner: "mallory", venue: "paper" }),
        seed({ id: "new" }),
      ]);
      expect(again).toEqual(["new"]);
      expect(await repo.listAccounts()).toEqual([
        {
          id: "acc",
          owner: "alice",
          venue: "sim",
          kind: "CASH",
          baseCurrency: "KRW",
          mode: "PAPER",
          balances: [{ account: "acc", currency: "KRW", total: "9997499.75", free: "9997499.75", locked: "0" }],
        },
        {
          id: "usd",
          owner: "bob",
          venue: "sim",
          kind: "CASH",
          baseCurrency: "USDT",
          mode: "PAPER",
          balances: [{ account: "usd", currency: "USDT", total: "0.5", free: "0.5", locked: "0" }],
        },
        {
          id: "new",
          owner: "alice",
          venue: "sim",
          kind: "CASH",
          baseCurrency: "KRW",
          mode: "PAPER",
          balances: [{ account: "new", currency: "KRW", total: "10000000", free: "10000000", locked: "0" }],
        },
      ]);
    });

    it("keeps a reopened repository's books, so a restart does not seed twice", async () => {
      await repo.seed([seed()]);
      await inTx((tx) => tx.addCash("acc", "KRW", fx.toFixed("-1")));
      const reopened = h.reopen();
      expect(await reopened.seed([seed()])).toEqual([]);
      expect(await cashOf(reopened)).toEqual([["KRW", "9999999"]]);
    });

    it("lists accounts by id and by owner", async () => {
      await repo.seed([seed({ id: "a1" }), seed({ id: "b1", owner: "bob" }), seed({ id: "a2" })]);
      expect((await repo.listAccounts(["a2", "b1"])).map((a) => a.id)).toEqual(["b1", "a2"]);
      expect(await repo.listAccounts([])).toEqual([]);
      expect(await repo.listAccounts(["missing"])).toEqual([]);
      expect(await repo.accountsOf("alice")).toEqual(["a1", "a2"]);
      expect(await repo.accountsOf("nobody")).toEqual([]);
    });

    it("adds cash per currency, opening a new currency's balance at zero, base currency listed first", async () => {
      await repo.seed([seed({ startingCash: "100" })]);
      await inTx(async (tx) => {
        await tx.addCash("acc", "USDT", fx.toFixed("-0.000000001"));
        await tx.addCash("acc", "BTC", fx.toFixed("0.5"));
        await tx.addCash("acc", "BTC", fx.toFixed("0.25"));
        await tx.addCash("acc", "KRW", fx.toFixed("0.1"));
      });
      await inTx((tx) => tx.addCash("acc", "KRW", fx.toFixed("0.2")));
      expect(await cashOf(repo)).toEqual([
        ["KRW", "100.3"],
        ["BTC", "0.75"],
        ["USDT", "-0.000000001"],
      ]);
    });

    it("locks only accounts that exist", async () => {
      await repo.seed([seed()]);
      expect(await inTx((tx) => tx.lockAccount("acc"))).toBe(true);
      expect(await inTx((tx) => tx.lockAccount("missing"))).toBe(false);
    });

    it("stores a position exactly and reads it back as a copy", async () => {
      await repo.seed([seed()]);
      expect(await inTx((tx) => tx.position("acc", "005930"))).toBeUndefined();
      const exact = state({
        quantity: fx.toFixed("-0.000000001"),
        averagePrice: fx.toFixed("12345678901234567890.123456789"),
        realized: fx.toFixed("-424.5"),
        lastPrice: null,
        updatedAt: "1764236400123456789",
      });
      await inTx((tx) => tx.savePosition(exact));
      const read = (await inTx((tx) => tx.position("acc", "005930"))) as PositionState;
      expect(read).toEqual(exact);
      read.quantity = 99n;
      expect(await repo.listPositions()).toEqual([exact]);
      const [listed] = await repo.listPositions();
      (listed as PositionState).quantity = 7n;
      expect((await repo.listPositions())[0]?.quantity).toBe(exact.quantity);
    });

    it("replaces a saved position but keeps the venue and currency it was opened with", async () => {
      await repo.seed([seed()]);
      await inTx((tx) => tx.savePosition(state()));
      const closed = state({
        quantity: 0n,
        averagePrice: 0n,
        realized: fx.toFixed("8000"),
        lastPrice: fx.toFixed("72000"),
      });
      await inTx((tx) => tx.savePosition({ ...closed, venue: "paper", currency: "USDT" }));
      expect(await repo.listPositions()).toEqual([closed]);
    });

    it("lists positions in the order they were opened, filtered by accounts", async () => {
      await repo.seed([seed({ id: "a" }), seed({ id: "b" })]);
      await inTx(async (tx) => {
        await tx.savePosition(state({ account: "b", symbol: "ZZZ" }));
        await tx.savePosition(state({ account: "a", symbol: "BTC-KRW" }));
      });
      await inTx((tx) => tx.savePosition(state({ account: "a", symbol: "005930" })));
      await inTx((tx) => tx.savePosition(state({ account: "b", symbol: "ZZZ", quantity: 1n })));
      const keys = (list: PositionState[]) => list.map((p) => `${p.account}/${p.symbol}`);
      expect(keys(await repo.listPositions())).toEqual(["b/ZZZ", "a/BTC-KRW", "a/005930"]);
      expect(keys(await repo.listPositions(["a"]))).toEqual(["a/BTC-KRW", "a/005930"]);
      expect(await repo.listPositions([])).toEqual([]);
    });

    it("marks an event processed once per consumer", async () => {
      expect(await inTx((tx) => tx.markProcessed("portfolio", "e1"))).toBe(true);
      expect(await inTx((tx) => tx.markProcessed("portfolio", "e1"))).toBe(false);
      expect(await inTx((tx) => tx.markProcessed("other", "e1"))).toBe(true);
      expect(await h.reopen().transaction((tx) => tx.markProcessed("portfolio", "e1"))).toBe(false);
    });

    it("lists the events a consumer processed since a time, oldest first, up to a limit (risk's redelivery guard)", async () => {
      const before = nowNsString();
      await Bun.sleep(2);
      for (const id of ["f1", "f2", "f3"]) expect(await inTx((tx) => tx.markProcessed("portfolio", id))).toBe(true);
      expect(await inTx((tx) => tx.markProcessed("other", "f9"))).toBe(true);
      expect(await repo.processedSince("portfolio", before, 10)).toEqual({ ids: ["f1", "f2", "f3"], complete: true });
      expect(await repo.processedSince("portfolio", before, 2)).toEqual({ ids: ["f1", "f2"], complete: false });
      await Bun.sleep(2);
      expect(await repo.processedSince("portfolio", nowNsString(), 10)).toEqual({ ids: [], complete: true });
      expect(await h.reopen().processedSince("portfolio", before, 10)).toMatchObject({ ids: ["f1", "f2", "f3"] });
    });

    it("leaves no position, cash or processed mark behind when a transaction throws", async () => {
      await repo.seed([seed()]);
      const error = await inTx(async (tx) => {
        await tx.lockAccount("acc");
        await tx.markProcessed("portfolio", "e-lost");
        await tx.savePosition(state());
        await tx.addCash("acc", "KRW", fx.toFixed("-700000"));
        await tx.addCash("acc", "USD", fx.toFixed("1"));
        throw new Error("changed my mind");
      }).catch((e: unknown) => e);
      expect((error as Error).message).toBe("changed my mind");
      expect(await repo.listPositions()).toEqual([]);
      expect(await cashOf(repo)).toEqual([["KRW", "10000000"]]);
      expect(await inTx((tx) => tx.markProcessed("portfolio", "e-lost"))).toBe(true);
    });

    it("runs one account's transactions one at a time, so no update is lost", async () => {
      await repo.seed([seed()]);
      const other = h.reopen();
      const bump = (r: PortfolioRepository) =>
        r.transaction(async (tx) => {
          await tx.lockAccount("acc");
          const current = await tx.position("acc", "005930");
          await Bun.sleep(5);
          await tx.savePosition(state({ quantity: (current?.quantity ?? 0n) + 1n }));
        });
      await Promise.all([bump(repo), bump(other), bump(repo), bump(other)]);
      expect((await repo.listPositions())[0]?.quantity).toBe(4n);
    });

    it("starts every account on PAPER and switches its mode, returning the previous one", async () => {
      await repo.seed([seed(), seed({ id: "other" })]);
      expect((await repo.listAccounts()).map((a) => a.mode)).toEqual(["PAPER", "PAPER"]);
      expect(await repo.setMode("acc", "LIVE")).toBe("PAPER");
      expect(await repo.setMode("acc", "LIVE")).toBe("LIVE");
      expect((await h.reopen().listAccounts()).map((a) => [a.id, a.mode])).toEqual([
        ["acc", "LIVE"],
        ["other", "PAPER"],
      ]);
      expect(await repo.setMode("acc", "PAPER")).toBe("LIVE");
      expect(await repo.setMode("missing", "LIVE")).toBeNull();
      // Reseeding an armed account does not disarm it, nor does it arm a new one.
      await repo.setMode("acc", "LIVE");
      await repo.seed([seed()]);
      expect((await repo.listAccounts(["acc"]))[0]?.mode).toBe("LIVE");
    });

    it("keeps equity snapshots in time order, filtered by account and time, newest `limit` of them", async () => {
      await repo.seed([seed(), seed({ id: "usd", baseCurrency: "USDT" })]);
      const snap = (account: string, currency: string, equity: string, ts: string) => ({
        account,
        currency,
        equity,
        ts,
      });
      await repo.saveEquity([snap("acc", "KRW", "10000000", "100"), snap("acc", "USDT", "-0.5", "100")]);
      await repo.saveEquity([snap("usd", "USDT", "12.123456789", "150")]);
      await repo.saveEquity([snap("acc", "KRW", "10000100.000000000", "300"), snap("acc", "KRW", "9999999", "200")]);
      expect(await h.reopen().listEquity({ accounts: ["acc"] })).toEqual([
        snap("acc", "KRW", "10000000", "100"),
        snap("acc", "USDT", "-0.5", "100"),
        snap("acc", "KRW", "9999999", "200"),
        snap("acc", "KRW", "10000100", "300"),
      ]);
      expect(await repo.listEquity({ since: "150" })).toEqual([
        snap("usd", "USDT", "12.123456789", "150"),
        snap("acc", "KRW", "9999999", "200"),
        snap("acc", "KRW", "10000100", "300"),
      ]);
      expect((await repo.listEquity({ limit: 2 })).map((s) => s.ts)).toEqual(["200", "300"]);
      expect(await repo.listEquity({ accounts: ["nobody"] })).toEqual([]);
      await expect(repo.saveEquity([snap("missing", "KRW", "1", "1")])).rejects.toThrow();
    });
  });

  describe(`Portfolio on ${name}`, () => {
    let h: PortfolioHarness;
    let portfolio: Portfolio;
    beforeEach(async () => {
      h = await open();
      portfolio = new Portfolio(h.repository);
      await portfolio.open([seed()]);
    });
    afterEach(async () => {
      await h.close();
    });

    const applied = async (f: Fill) => {
      const outcome = await portfolio.applyFill(f);
      if (outcome.status !== "applied") throw new Error(`fill ${f.id} was ${outcome.status}`);
      return outcome.position;
    };

    it("computes what the booking arithmetic alone computes, fill by fill", async () => {
      // The reference: ledger.ts's functions folded over plain maps, nothing stored, nothing locked.
      const positions = new Map<string, PositionState>();
      const cash = new Map<string, Fixed>([["KRW", fx.toFixed(seed().startingCash)]]);
      const fills = [
        fill("BUY", "10", "70000", { fee: "105" }),
        fill("BUY", "30", "71000", { fee: "319.5" }),
        fill("SELL", "4", "72000", { fee: "43.2" }),
        fill("SELL", "50", "69000", { fee: "517.5" }),
        fill("BUY", "0.000000003", "69999.999999999"),
        fill("BUY", "2", "0.5", { symbol: "BTC-USDT", venue: "binance", feeCurrency: "USDT", fee: "0.001" }),
        fill("SELL", "14", "68000.5", { fee: "1" }),
      ];
      for (const f of fills) {
        const key = positionKey(f.account, f.symbol);
        const next = applyFillToPosition(positions.get(key), f);
        positions.set(key, next);
        for (const [currency, amount] of cashDeltas(f)) cash.set(currency, (cash.get(currency) ?? 0n) + amount);
        expect(await applied(f)).toEqual(toPosition(next));
      }
      const at = "1764236500000000000";
      const marked = [...positions.values()].filter(
        (p) => p.symbol === "005930" && markPosition(p, fx.toFixed("67000"), at) && p.quantity !== 0n,
      );
      expect(marked.map(toPosition)).toEqual(portfolio.markPrice("005930", "67000", at));
      expect(await portfolio.listPositions()).toEqual([...positions.values()].map(toPosition));
      expect(await portfolio.listAccounts()).toEqual([
        {
          id: "acc",
          owner: "alice",
          venue: "sim",
          kind: "CASH",
          baseCurrency: "KRW",
          mode: "PAPER",
          balances: sortBalances(
            "KRW",
            [...cash].map(([currency, total]) => cashBalance("acc", currency, total)),
          ),
        },
      ]);
    });

    it("books a fee in its own currency: BUY 0.4 ETH-USDT @ 2000, fee 0.0004 ETH pays 800 USDT for 0.3996 ETH", async () => {
      await h.repository.seed([seed({ id: "bin", venue: "binance", baseCurrency: "USDT", startingCash: "1000" })]);
      const eth = { account: "bin", symbol: "ETH-USDT", venue: "binance" as const };
      // A fee in the base: the venue credits 0.4 - 0.0004; the fee's value at the fill price (0.8 USDT) is a loss.
      expect(await applied(fill("BUY", "0.4", "2000", { ...eth, fee: "0.0004", feeCurrency: "ETH" }))).toMatchObject({
        quantity: "0.3996",
        averagePrice: "2000",
        realizedPnl: "-0.8",
        currency: "USDT",
      });
      expect(await cashOf(h.repository, "bin")).toEqual([["USDT", "200"]]);
      // A fee in a third asset (BNB) comes off BNB only, and not off the USDT realized P&L.
      expect(await applied(fill("SELL", "0.3996", "2100", { ...eth, fee: "0.01", feeCurrency: "BNB" }))).toMatchObject({
        quantity: "0",
        realizedPnl: "39.16",
        currency: "USDT",
      });
      expect(await cashOf(h.repository, "bin")).toEqual([
        ["USDT", "1039.16"],
        ["BNB", "-0.01"],
      ]);
    });

    it("keeps the average price at full precision: 0.00000001 @ 12345.678901 is 12345.678901", async () => {
      const btc = { symbol: "BTC-KRW" };
      expect(await applied(fill("BUY", "0.00000001", "12345.678901", btc))).toMatchObject({
        averagePrice: "12345.678901",
      });
      expect(await applied(fill("BUY", "0.00000003", "12345.678905", btc))).toMatchObject({
        averagePrice: "12345.678904",
      });
      expect((await portfolio.listPositions()).find((p) => p.symbol === "BTC-KRW")?.averagePrice).toBe("12345.678904");
    });

    it("averages the entry price over buys and moves cash with fees", async () => {
      await applied(fill("BUY", "10", "70000", { fee: "105" }));
      expect(await applied(fill("BUY", "30", "71000", { fee: "319.5" }))).toMatchObject({
        quantity: "40",
        averagePrice: "70750",
        realizedPnl: "-424.5",
      });
      expect(await cashOf(h.repository)).toEqual([["KRW", "7169575.5"]]);
    });

    it("realizes P&L on a partial close, opens the other side at the fill price when a sell flips a long", async () => {
      await applied(fill("BUY", "10", "70000"));
      expect(await applied(fill("SELL", "4", "72000"))).toMatchObject({
        quantity: "6",
        averagePrice: "70000",
        realizedPnl: "8000",
      });
      expect(await applied(fill("SELL", "11", "69000"))).toMatchObject({
        quantity: "-5",
        averagePrice: "69000",
        realizedPnl: "2000",
      });
    });

    it("marks unrealized P&L to the last price, short positions included, without storing it", async () => {
      await applied(fill("SELL", "5", "70000"));
      expect(portfolio.markPrice("005930", "69000", "1764236500000000000")).toMatchObject([
        { quantity: "-5", unrealizedPnl: "5000", lastPrice: "69000", updatedAt: "1764236500000000000" },
      ]);
      expect(portfolio.markPrice("005930", "69000", "1764236500000000001")).toEqual([]);
      expect(await portfolio.listPositions()).toMatchObject([{ unrealizedPnl: "5000", lastPrice: "69000" }]);
      expect((await h.repository.listPositions())[0]?.lastPrice).toBe(fx.toFixed("70000"));
    });

    it("applies a redelivered fill once, also when the copies arrive at once or after a restart", async () => {
      const once = fill("BUY", "1", "70000");
      const outcomes = await Promise.all([
        portfolio.applyFill(once),
        portfolio.applyFill(once),
        portfolio.applyFill(once),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(["applied", "duplicate", "duplicate"]);
      const restarted = new Portfolio(h.reopen());
      expect(await restarted.open([seed()])).toEqual([]);
      expect(await restarted.applyFill(once)).toEqual({ status: "duplicate" });
      expect(await restarted.listPositions()).toMatchObject([{ quantity: "1", lastPrice: "70000" }]);
      expect(await cashOf(h.repository)).toEqual([["KRW", "9930000"]]);
      expect(await h.repository.transaction((tx) => tx.markProcessed(FILL_CONSUMER, once.id))).toBe(false);
    });

    it("applies a fill delivered to two processes once", async () => {
      const other = new Portfolio(h.reopen());
      await other.open([seed()]);
      const twice = fill("BUY", "3", "70000");
      const outcomes = await Promise.all([portfolio.applyFill(twice), other.applyFill(twice)]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(["applied", "duplicate"]);
      expect(await portfolio.listPositions()).toMatchObject([{ quantity: "3" }]);
    });

    it("keeps both fills when two processes apply different fills of one position at once", async () => {
      const other = new Portfolio(h.reopen());
      await other.open([seed()]);
      await Promise.all([
        portfolio.applyFill(fill("BUY", "1", "70000")),
        other.applyFill(fill("BUY", "3", "74000")),
        portfolio.applyFill(fill("BUY", "2", "70000")),
      ]);
      expect(await portfolio.listPositions()).toMatchObject([{ quantity: "6", averagePrice: "72000" }]);
      expect(await cashOf(h.repository)).toEqual([["KRW", "9568000"]]);
    });

    it("snapshots cash and positions as of one moment while another process applies fills", async () => {
      const other = new Portfolio(h.reopen());
      await other.open([seed()]);
      // Each BUY 1 @ 1000 (no fee) moves 1000 from cash into the position: cash + quantity x 1000 never changes.
      const worth = (books: Awaited<ReturnType<PortfolioRepository["snapshot"]>>) => {
        const cash = fx.toFixed(books.accounts.find((a) => a.id === "acc")?.balances[0]?.total ?? "0");
        const held = books.positions.find((p) => p.account === "acc")?.quantity ?? 0n;
        return fx.fromFixed(cash + fx.mul(held, fx.toFixed("1000")));
      };
      let applying = true;
      const fills = (async () => {
        for (let i = 0; i < 15; i++) await other.applyFill(fill("BUY", "1", "1000", { fee: "0" }));
        applying = false;
      })();
      const seen = new Set<string>();
      while (applying) seen.add(worth(await h.repository.snapshot()));
      await fills;
      seen.add(worth(await h.repository.snapshot()));
      expect([...seen]).toEqual(["10000000"]);
      expect((await h.repository.snapshot()).positions).toMatchObject([{ account: "acc", quantity: fx.toFixed("15") }]);
    });

    it("ignores a fill for an unknown account without marking it, so it applies once the account exists", async () => {
      const early = fill("BUY", "1", "100", { account: "later" });
      expect(await portfolio.applyFill(early)).toEqual({ status: "unknown-account" });
      await portfolio.open([seed({ id: "later" })]);
      expect((await portfolio.applyFill(early)).status).toBe("applied");
      expect(await cashOf(h.repository, "later")).toEqual([["KRW", "9999900"]]);
    });

    it("applies nothing of a fill whose transaction fails, and all of it when redelivered", async () => {
      let failures = 1;
      const flaky: PortfolioRepository = {
        ...bind(h.repository),
        transaction: (work) =>
          h.repository.transaction((tx) =>
            work({
              ...tx,
              addCash: async (...args) => {
                if (failures-- > 0) throw new Error("connection lost");
                return tx.addCash(...args);
              },
            }),
          ),
      };
      const crashing = new Portfolio(flaky);
      const f = fill("BUY", "2", "70000");
      await expect(crashing.applyFill(f)).rejects.toThrow("connection lost");
      expect(await h.repository.listPositions()).toEqual([]);
      expect(await cashOf(h.repository)).toEqual([["KRW", "10000000"]]);
      expect((await crashing.applyFill(f)).status).toBe("applied");
      expect((await crashing.applyFill(f)).status).toBe("duplicate");
      expect(await cashOf(h.repository)).toEqual([["KRW", "9860000"]]);
      expect(await crashing.listPositions()).toMatchObject([{ quantity: "2" }]);
    });

    it("lists accounts by owner", async () => {
      await portfolio.open([seed({ id: "bob-1", owner: "bob" })]);
      expect(await portfolio.accountsOf("bob")).toEqual(["bob-1"]);
      expect((await portfolio.listAccounts(["bob-1"])).map((a) => a.owner)).toEqual(["bob"]);
    });
  });
}

/** The repository's methods bound to it, to spread into a wrapper. */
function bind(repo: PortfolioRepository): PortfolioRepository {
  return {
    seed: (accounts) => repo.seed(accounts),
    transaction: (work) => repo.transaction(work),
    listAccounts: (ids) => repo.listAccounts(ids),
    accountsOf: (owner) => repo.accountsOf(owner),
    listPositions: (accounts) => repo.listPositions(accounts),
    snapshot: () => repo.snapshot(),
    processedSince: (consumer, since, limit) => repo.processedSince(consumer, since, limit),
    setMode: (account, mode) => repo.setMode(account, mode),
    saveEquity: (snapshots) => repo.saveEquity(snapshots),
    listEquity: (query) => repo.listEquity(query),
  };
}
