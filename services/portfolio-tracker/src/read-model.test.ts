import { describe, expect, it } from "bun:test";
import { fillFixture } from "@jts/kit/testing";
import { type AccountSeed, toPosition } from "./ledger.ts";
import { MemoryPortfolioRepository } from "./memory-repository.ts";
import { Portfolio } from "./portfolio.ts";
import { CachedPortfolioRepository } from "./read-model.ts";
import type { PortfolioRepository, PortfolioTransaction } from "./repository.ts";
import { portfolioRepositoryContract } from "./testing/portfolio-repository-contract.ts";

/**
 * The stored books with every call counted, and a write that can be held
 * open or made to fail: what the read model must wait for or recover from.
 */
class CountingRepository extends MemoryPortfolioRepository {
  reads = 0;
  hold: Promise<void> | null = null;
  failNext = false;
  override async listAccounts(ids?: readonly string[]) {
    this.reads++;
    return super.listAccounts(ids);
  }
  override async listPositions(accounts?: readonly string[]) {
    this.reads++;
    return super.listPositions(accounts);
  }
  /** Set: the next snapshot, once read, waits for it before it answers (a load in flight); `snapshotRead` says when it has read. */
  holdSnapshot: Promise<void> | null = null;
  snapshotRead: () => void = () => {};
  override async snapshot() {
    const hold = this.holdSnapshot;
    this.holdSnapshot = null;
    const books = await super.snapshot();
    this.snapshotRead();
    if (hold) await hold;
    return books;
  }
  override transaction<T>(work: (tx: PortfolioTransaction) => Promise<T>): Promise<T> {
    return super.transaction(async (tx) => {
      const result = await work(tx);
      if (this.hold) await this.hold;
      if (this.failNext) {
        this.failNext = false;
        throw new Error("connection lost at commit");
      }
      return result;
    });
  }
}

/** Several read models on one set of stored books; a write through one invalidates the others, as the bus events do in the service. */
function replicasOn(stored: PortfolioRepository) {
  const models: CachedPortfolioRepository[] = [];
  const open = () => {
    const others = () => models.filter((m) => m !== model);
    const announce = <T>(work: Promise<T>) =>
      work.then((result) => {
        for (const m of others()) m.invalidate();
        return result;
      });
    const model: CachedPortfolioRepository = new CachedPortfolioRepository({
      ...bind(stored),
      seed: (seeds) => announce(stored.seed(seeds)),
      transaction: (work) => announce(stored.transaction(work)),
      setMode: (account, mode) => announce(stored.setMode(account, mode)),
    });
    models.push(model);
    return model;
  };
  return open;
}

function bind(stored: PortfolioRepository): PortfolioRepository {
  return {
    seed: (s) => stored.seed(s),
    transaction: (w) => stored.transaction(w),
    listAccounts: (ids) => stored.listAccounts(ids),
    accountsOf: (owner) => stored.accountsOf(owner),
    listPositions: (accounts) => stored.listPositions(accounts),
    snapshot: () => stored.snapshot(),
    processedSince: (c, s, l) => stored.processedSince(c, s, l),
    setMode: (a, m) => stored.setMode(a, m),
    saveEquity: (s) => stored.saveEquity(s),
    listEquity: (q) => stored.listEquity(q),
  };
}

portfolioRepositoryContract("in-memory read model over stored books", async () => {
  const open = replicasOn(new MemoryPortfolioRepository());
  return { repository: open(), reopen: open, close: async () => {} };
});

const seed: AccountSeed = { id: "acc", owner: "alice", venue: "sim", baseCurrency: "KRW", startingCash: "1000000" };
let n = 0;
const trade = (side: "BUY" | "SELL", quantity: string, price = "70000") =>
  fillFixture({
    id: `rm-${++n}`,
    orderId: "o",
    clientOrderId: "c",
    account: "acc",
    side,
    price,
    quantity,
    fee: "0",
    tsEvent: `17642364000000000${String(n).padStart(2, "0")}`,
  });
const buy = (quantity: string, price?: string) => trade("BUY", quantity, price);

describe("CachedPortfolioRepository", () => {
  it("answers reads from memory: the stored books are read once, at the first read", async () => {
    const stored = new CountingRepository();
    const portfolio = new Portfolio(new CachedPortfolioRepository(stored));
    await portfolio.open([seed]);
    const afterOpen = stored.reads;
    await portfolio.applyFill(buy("2"));
    for (let i = 0; i < 100; i++) {
      await portfolio.listPositions();
      await portfolio.listAccounts();
      await portfolio.accountsOf("alice");
    }
    // The fill re-read its account's cash once (write-through); the 300 reads read nothing.
    expect(stored.reads - afterOpen).toBe(1);
    expect((await portfolio.listPositions()).map((p) => p.quantity)).toEqual(["2"]);
    expect((await portfolio.listAccounts())[0]?.balances.map((b) => b.total)).toEqual(["860000"]);
  });

  it("gives what the stored books give, fill by fill, and the same again after a restart", async () => {
    const stored = new MemoryPortfolioRepository();
    const cached = new Portfolio(new CachedPortfolioRepository(stored));
    await cached.open([seed]);
    for (const f of [buy("2"), buy("1", "71000"), trade("SELL", "1", "72000"), buy("0.5", "69000.123456789")]) {
      await cached.applyFill(f);
      expect(await cached.listPositions()).toEqual((await stored.listPositions()).map(toPosition));
      expect(await cached.listAccounts()).toEqual(await stored.listAccounts());
    }
    const restarted = new Portfolio(new CachedPortfolioRepository(stored));
    expect(await restarted.open([seed])).toEqual([]);
    expect(await restarted.listPositions()).toEqual(await cached.listPositions());
    expect(await restarted.listAccounts()).toEqual(await cached.listAccounts());
  });

  it("makes a read that arrives during a write wait for it, so it never misses an applied fill", async () => {
    const stored = new CountingRepository();
    const portfolio = new Portfolio(new CachedPortfolioRepository(stored));
    await portfolio.open([seed]);
    let release = () => {};
    stored.hold = new Promise((resolve) => {
      release = resolve;
    });
    const applying = portfolio.applyFill(buy("3"));
    await Bun.sleep(5);
    // The processed mark is about to be stored: a read now must show the position too.
    const reading = portfolio.listPositions();
    let answered = false;
    void reading.then(() => {
      answered = true;
    });
    await Bun.sleep(20);
    expect(answered).toBe(false);
    release();
    await applying;
    expect((await reading).map((p) => p.quantity)).toEqual(["3"]);
  });

  it("loads the stored books again after a write that failed, and after a fill another process applied", async () => {
    const stored = new CountingRepository();
    const model = new CachedPortfolioRepository(stored);
    const portfolio = new Portfolio(model);
    await portfolio.open([seed]);
    stored.failNext = true;
    await expect(portfolio.applyFill(buy("1"))).rejects.toThrow("connection lost");
    // The memory repository rolled it back; memory must not hold it either.
    expect(await portfolio.listPositions()).toEqual([]);

    // Another process (its own read model on the same books) applies a fill; this one hears nothing of it.
    const other = new Portfolio(new CachedPortfolioRepository(stored));
    await other.open([seed]);
    const fill = buy("4");
    await other.applyFill(fill);
    expect(await portfolio.listPositions()).toEqual([]);
    // The same fill redelivered here is a duplicate: it was applied elsewhere, so memory is reloaded.
    expect(await portfolio.applyFill(fill)).toEqual({ status: "duplicate" });
    expect((await portfolio.listPositions()).map((p) => p.quantity)).toEqual(["4"]);
    expect(await portfolio.listAccounts()).toEqual(await stored.listAccounts());
  });

  it("tells a position event of another process's fill from one of its own or a mark", async () => {
    const stored = new MemoryPortfolioRepository();
    const model = new CachedPortfolioRepository(stored);
    const portfolio = new Portfolio(model);
    await portfolio.open([seed]);
    await portfolio.listPositions();
    const outcome = await portfolio.applyFill(buy("2"));
    if (outcome.status !== "applied") throw new Error(outcome.status);
    const own = outcome.position;
    expect(model.differsFrom(own)).toBe(false);
    expect(model.differsFrom({ ...own, lastPrice: "80000", unrealizedPnl: "20000" })).toBe(false);
    expect(model.differsFrom({ ...own, quantity: "3" })).toBe(true);
    expect(model.differsFrom({ ...own, symbol: "000660" })).toBe(true);
    expect(model.modeDiffers("acc", "PAPER")).toBe(false);
    expect(model.modeDiffers("acc", "LIVE")).toBe(true);
  });

  it("drops a load that a position or mode event overtook: what another replica committed meanwhile is read next", async () => {
    const stored = new CountingRepository();
    const model = new CachedPortfolioRepository(stored);
    const portfolio = new Portfolio(model);
    await portfolio.open([seed]);
    await stored.setMode("acc", "LIVE");
    const other = new Portfolio(new CachedPortfolioRepository(stored));
    await other.open([seed]);
    // Memory was dropped (an earlier event, its max age): this replica loads the books; the load has read them and is about to answer.
    model.invalidate();
    let release = () => {};
    stored.holdSnapshot = new Promise((resolve) => {
      release = resolve;
    });
    const read = new Promise<void>((resolve) => {
      stored.snapshotRead = resolve;
    });
    const loading = portfolio.listPositions();
    await read;
    // Meanwhile the other replica applies a fill and disarms; their events reach this one, as the service hands them on.
    const outcome = await other.applyFill(buy("2"));
    if (outcome.status !== "applied") throw new Error(outcome.status);
    if (model.differsFrom(outcome.position)) model.invalidate();
    await other.repository.setMode("acc", "PAPER");
    if (model.modeDiffers("acc", "PAPER")) model.invalidate();
    release();
    // The read begun before the fill may answer the books before it; every later read has the fill and the mode.
    expect(await loading).toEqual([]);
    expect((await portfolio.listPositions()).map((p) => p.quantity)).toEqual(["2"]);
    const [account] = await portfolio.listAccounts();
    expect([account?.mode, account?.balances[0]?.total]).toEqual(["PAPER", "860000"]);
  });

  it("loads the stored books again once memory is older than its max age, whatever events came", async () => {
    const stored = new CountingRepository();
    let clock = 1_000_000;
    const model = new CachedPortfolioRepository(stored, { maxAgeMs: 5000, now: () => clock });
    const portfolio = new Portfolio(model);
    await portfolio.open([seed]);
    expect(await portfolio.listPositions()).toEqual([]);
    // Another replica's fill whose event was lost: nothing tells this one.
    await new Portfolio(new CachedPortfolioRepository(stored)).applyFill(buy("3"));
    clock += 4999;
    const reads = stored.reads;
    expect(await portfolio.listPositions()).toEqual([]);
    expect(stored.reads).toBe(reads);
    clock += 1;
    expect((await portfolio.listPositions()).map((p) => p.quantity)).toEqual(["3"]);
    expect((await portfolio.listAccounts())[0]?.balances[0]?.total).toBe("790000");

    const never = new Portfolio(new CachedPortfolioRepository(stored, { maxAgeMs: 0, now: () => clock }));
    expect((await never.listPositions()).map((p) => p.quantity)).toEqual(["3"]);
    await new Portfolio(new CachedPortfolioRepository(stored)).applyFill(buy("1"));
    clock += 3_600_000;
    expect((await never.listPositions()).map((p) => p.quantity)).toEqual(["3"]);
  });

  it("finds an account another process created: an unknown owner or id is asked of the stored books, and memory reloaded", async () => {
    const stored = new MemoryPortfolioRepository();
    const portfolio = new Portfolio(new CachedPortfolioRepository(stored));
    await portfolio.open([seed]);
    expect(await portfolio.accountsOf("alice")).toEqual(["acc"]);
    expect(await portfolio.accountsOf("bob")).toEqual([]);
    await stored.seed([{ ...seed, id: "bob-1", owner: "bob" }]);
    expect(await portfolio.accountsOf("bob")).toEqual(["bob-1"]);
    expect((await portfolio.listAccounts()).map((a) => a.id)).toEqual(["acc", "bob-1"]);
    await stored.seed([{ ...seed, id: "carol-1", owner: "carol" }]);
    expect((await portfolio.listAccounts(["carol-1"])).map((a) => a.id)).toEqual(["carol-1"]);
    expect((await portfolio.listAccounts()).map((a) => a.id)).toEqual(["acc", "bob-1", "carol-1"]);
  });

  it("reads the stored books for a consistent read, even when memory is behind", async () => {
    const stored = new MemoryPortfolioRepository();
    const portfolio = new Portfolio(new CachedPortfolioRepository(stored));
    await portfolio.open([seed]);
    await portfolio.listPositions();
    const other = new Portfolio(new CachedPortfolioRepository(stored));
    await other.applyFill(buy("5"));
    expect(await portfolio.listPositions()).toEqual([]);
    expect((await portfolio.listPositions(undefined, true)).map((p) => p.quantity)).toEqual(["5"]);
    expect((await portfolio.listAccounts(undefined, true))[0]?.balances[0]?.total).toBe("650000");
  });
});
