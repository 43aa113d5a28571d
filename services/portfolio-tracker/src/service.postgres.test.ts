import { afterAll, beforeAll, beforeEach, describe, expect, it } from "bun:test";
import {
  type Account,
  type AccountModeChange,
  type EquitySnapshot,
  type EventBus,
  EventTypes,
  type Fill,
  type Position,
  Subjects,
  Topics,
} from "@jts/contracts";
import { envelope, MemoryEventBus, memoryRuntime, type Runtime, rpcClient } from "@jts/kit";
import { connectPostgres, type Sql, startTestPostgres, type TestPostgres, truncateAll } from "@jts/kit/postgres";
import { eventually, fillFixture, readJson, silentLogger } from "@jts/kit/testing";
import type { AccountSeed } from "./ledger.ts";
import { postgresPortfolioStorage } from "./postgres.ts";
import { PostgresPortfolioRepository } from "./postgres-repository.ts";
import { createPortfolioService, type PortfolioOptions } from "./service.ts";

let pg: TestPostgres;
const pools: Sql[] = [];
beforeAll(async () => {
  pg = await startTestPostgres();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end({ timeout: 1 })));
  await pg.stop();
});

const paper = (startingCash: string): AccountSeed => ({
  id: "paper-main",
  owner: "admin",
  venue: "sim",
  baseCurrency: "KRW",
  startingCash,
});
const fill: Fill = fillFixture({
  id: "F-1",
  orderId: "o-1",
  clientOrderId: "c-1",
  account: "paper-main",
  price: "70000.5",
  fee: "70.05",
  tsEvent: "1764236400000000000",
});

/** The stored books, where the next snapshot, once read, waits to answer until released: a read model's load in flight. */
class HeldSnapshotRepository extends PostgresPortfolioRepository {
  private hold: Promise<void> | null = null;
  release = () => {};
  /** Resolves once the held snapshot has read the books. */
  read: Promise<void> = Promise.resolve();
  private markRead = () => {};
  holdNext() {
    this.hold = new Promise((resolve) => {
      this.release = resolve;
    });
    this.read = new Promise((resolve) => {
      this.markRead = resolve;
    });
  }
  override async snapshot() {
    const hold = this.hold;
    this.hold = null;
    const books = await super.snapshot();
    this.markRead();
    if (hold) await hold;
    return books;
  }
}

/** `bus` as a replica that the fills' group never picks sees it: every event but the fills. */
const withoutFills = (bus: EventBus): EventBus =>
  ({
    publish: (topic: never, event: never) => bus.publish(topic, event),
    subscribe: (topic: never, handler: never, options?: never) =>
      topic === Topics.fill ? Promise.resolve({ unsubscribe: async () => {} }) : bus.subscribe(topic, handler, options),
    close: async () => {},
  }) as EventBus;

/** The typed rpc client of one portfolio "process". */
const call = (process: { runtime: Runtime }) => rpcClient(process.runtime.rpc, 5000).call;

describe("portfolio service on PostgreSQL", () => {
  let published: Position[];

  /** One portfolio "process": its own pool and bus, on the shared database. */
  /** `shared`: a bus other "processes" are on too (the test records its position events once, itself). */
  const startPortfolio = async (cash: string, extra: Partial<PortfolioOptions> = {}, shared?: EventBus) => {
    const sql = connectPostgres(pg.url, { max: 4 });
    pools.push(sql);
    const runtime: Runtime = { ...memoryRuntime(silentLogger), bus: shared ?? new MemoryEventBus() };
    if (!shared) await runtime.bus.subscribe(Topics.positionUpdated, (e) => void published.push(e.payload as Position));
    const service = createPortfolioService(runtime, {
      accounts: [paper(cash)],
      ...postgresPortfolioStorage(sql),
      ...extra,
    });
    await service.start();
    const get = async (path: string) => readJson(await service.app.handle(new Request(`http://localhost${path}`)));
    return { service, runtime, get, stop: () => service.stop() };
  };
  const cash = async (get: (path: string) => Promise<unknown>) =>
    ((await get("/accounts")) as Account[]).map((a) => [a.id, a.owner, a.balances.map((b) => b.total)]);

  beforeEach(async () => {
    await truncateAll(pg.sql);
    published = [];
  });

  it("seeds the paper account once, keeps cash and positions across a restart and applies a redelivered fill once", async () => {
    const first = await startPortfolio("1000000");
    // The owner has no users row: the portfolio does not depend on the gateway having run.
    expect(await pg.sql`SELECT count(*)::int AS n FROM users`).toEqual([{ n: 0 }] as never);
    const event = envelope(EventTypes.fill, "order-execution", fill.account, fill);
    await first.runtime.bus.publish(Topics.fill, event);
    await first.runtime.bus.publish(Topics.fill, event);
    await eventually(() => expect(published).toHaveLength(1));
    await Bun.sleep(50);
    expect(published).toHaveLength(1);
    expect(await cash(first.get)).toEqual([["paper-main", "admin", ["299924.95"]]]);
    expect((await first.service.app.handle(new Request("http://localhost/ready"))).status).toBe(200);
    await first.stop();

    // A restart with another starting cash configured: the stored balance stays.
    const second = await startPortfolio("5");
    expect(await cash(second.get)).toEqual([["paper-main", "admin", ["299924.95"]]]);
    await second.runtime.bus.publish(Topics.fill, event);
    await Bun.sleep(100);
    expect(published).toHaveLength(1);
    expect(await second.get("/positions")).toEqual([
      {
        account: "paper-main",
        symbol: "005930",
        venue: "sim",
        quantity: "10",
        averagePrice: "70000.5",
        realizedPnl: "-70.05",
        unrealizedPnl: "0",
        lastPrice: "70000.5",
        currency: "KRW",
        updatedAt: "1764236400000000000",
      },
    ]);
    // The positions stored before the restart are marked by the next tick.
    const tick = {
      symbol: "005930",
      venue: "sim",
      price: "71000.5",
      quantity: "1",
      aggressor: "BUY",
      tradeId: "t",
    } as const;
    await second.runtime.bus.publish(
      Topics.tick("sim", "005930"),
      envelope(EventTypes.tick, "sim", "005930", { ...tick, tsEvent: "1764236400000000009" }),
    );
    await eventually(() => expect(published).toHaveLength(2));
    expect(published[1]).toMatchObject({ unrealizedPnl: "10000", lastPrice: "71000.5" });
    await second.stop();
  });

  it("applies a fill once when two portfolio processes receive it at the same moment", async () => {
    const [one, two] = await Promise.all([startPortfolio("1000000"), startPortfolio("1000000")]);
    const event = envelope(EventTypes.fill, "order-execution", fill.account, fill);
    await Promise.all([one.runtime.bus.publish(Topics.fill, event), two.runtime.bus.publish(Topics.fill, event)]);
    await eventually(() => expect(published).toHaveLength(1));
    await Bun.sleep(100);
    expect(published).toHaveLength(1);
    expect(await cash(one.get)).toEqual([["paper-main", "admin", ["299924.95"]]]);
    expect(await pg.sql`SELECT count(*)::int AS n FROM balances`).toEqual([{ n: 1 }] as never);
    await Promise.all([one.stop(), two.stop()]);
  });

  it("keeps an armed account LIVE across a restart, with the arming in audit_log and equity in equity_snapshots", async () => {
    const first = await startPortfolio("1000000", { liveTradingEnabled: true });
    await first.runtime.rpc.serve(Subjects.riskLimitsGet, () => ({
      account: "paper-main",
      limits: { maxOrderNotional: "1", maxPositionNotional: "1" },
      effective: { maxOrderNotional: "1", maxPositionNotional: "1" },
      symbols: [],
    }));
    await call(first)(Subjects.accountArm, { account: "paper-main", confirm: "paper-main" }, { actor: "root" });
    await first.runtime.bus.publish(Topics.fill, envelope(EventTypes.fill, "oms", fill.account, fill));
    await eventually(async () =>
      expect(await pg.sql`SELECT count(*)::int AS n FROM equity_snapshots`).toEqual([{ n: 1 }] as never),
    );
    await first.stop();

    const second = await startPortfolio("1000000");
    expect(((await second.get("/accounts")) as Account[]).map((a) => a.mode)).toEqual(["LIVE"]);
    const audit = await pg.sql`SELECT actor, action, target, details->>'outcome' AS outcome FROM audit_log`;
    expect([...audit]).toEqual([{ actor: "root", action: "account.arm", target: "paper-main", outcome: "LIVE" }]);
    // Cash 299924.95 plus 10 x 70000.5 at the fill price.
    const equity = (await second.get("/equity")) as EquitySnapshot[];
    expect(equity.map((e) => [e.account, e.currency, e.equity])).toEqual([["paper-main", "KRW", "999929.95"]]);
    await call(second)(Subjects.accountDisarm, { account: "paper-main" }, { actor: "root" });
    expect(((await second.get("/accounts")) as Account[]).map((a) => a.mode)).toEqual(["PAPER"]);
    await second.stop();
  });

  it("answers positions and accounts from memory, and after a restart exactly what it answered before", async () => {
    const first = await startPortfolio("1000000");
    await first.runtime.bus.publish(Topics.fill, envelope(EventTypes.fill, "oms", fill.account, fill));
    await eventually(() => expect(published).toHaveLength(1));
    const positions = await call(first)(Subjects.positions, {});
    const accounts = await call(first)(Subjects.accounts, { owner: "admin" });
    expect(accounts.map((a) => a.balances.map((b) => b.total))).toEqual([["299924.95"]]);
    // A change behind the service's back is not read: the answers come from memory ...
    await pg.sql`UPDATE balances SET total = 1 WHERE account = 'paper-main'`;
    expect(await call(first)(Subjects.accounts, { owner: "admin" })).toEqual(accounts);
    // ... but a consistent read (risk's start) reads the stored books.
    expect((await call(first)(Subjects.accounts, { consistent: true })).map((a) => a.balances[0]?.total)).toEqual([
      "1",
    ]);
    await pg.sql`UPDATE balances SET total = 299924.95 WHERE account = 'paper-main'`;
    await first.stop();

    const second = await startPortfolio("5");
    expect(await call(second)(Subjects.positions, {})).toEqual(positions);
    expect(await call(second)(Subjects.accounts, { owner: "admin" })).toEqual(accounts);
    await second.stop();
  });

  it("keeps two replicas on one database agreeing: a fill one applies shows in the other's reads", async () => {
    const bus = new MemoryEventBus();
    await bus.subscribe(Topics.positionUpdated, (e) => void published.push(e.payload as Position));
    const [one, two] = [await startPortfolio("1000000", {}, bus), await startPortfolio("1000000", {}, bus)];
    // Both have read (and hold) the books before the fill.
    expect(await one.get("/positions")).toEqual([]);
    expect(await two.get("/positions")).toEqual([]);
    // The fill goes to one replica of the group; its position event reaches both.
    await bus.publish(Topics.fill, envelope(EventTypes.fill, "oms", fill.account, fill));
    await eventually(() => expect(published).toHaveLength(1));
    const second = { ...fill, id: "F-2", price: "70010.5", tsEvent: "1764236400000000001" };
    await bus.publish(Topics.fill, envelope(EventTypes.fill, "oms", fill.account, second));
    await eventually(() => expect(published).toHaveLength(2));
    for (const replica of [one, two])
      await eventually(async () => {
        expect(((await replica.get("/positions")) as Position[]).map((p) => [p.quantity, p.averagePrice])).toEqual([
          ["20", "70005.5"],
        ]);
        expect(await cash(replica.get)).toEqual([["paper-main", "admin", ["-400250.1"]]]);
      });
    await Promise.all([one.stop(), two.stop()]);
  });

  it("does not keep a reload that another replica's fill or disarm overtook (two replicas, one database)", async () => {
    const bus = new MemoryEventBus();
    const modes: AccountModeChange[] = [];
    await bus.subscribe(Topics.positionUpdated, (e) => void published.push(e.payload as Position));
    await bus.subscribe(Topics.accountMode, (e) => void modes.push(e.payload as AccountModeChange));
    const other = await startPortfolio("1000000", {}, bus);
    await pg.sql`UPDATE accounts SET mode = 'LIVE' WHERE id = 'paper-main'`;
    // This replica: its loads can be held mid-flight; no max age, so only the events can correct it.
    const stored = new HeldSnapshotRepository(pg.sql);
    const replica = await startPortfolio("1000000", { repository: stored, readModelMaxAgeMs: 0 }, withoutFills(bus));
    expect(((await replica.get("/accounts")) as Account[]).map((a) => a.mode)).toEqual(["LIVE"]);

    // The other replica's first fill: its event drops this one's memory; the next read loads, and is held once it has read.
    stored.holdNext();
    await bus.publish(Topics.fill, envelope(EventTypes.fill, "oms", fill.account, fill));
    await eventually(() => expect(published).toHaveLength(1));
    const loading = replica.get("/positions");
    await stored.read;
    // While the load is in flight the other replica applies a second fill and disarms the account.
    const second = { ...fill, id: "F-2", price: "70010.5", tsEvent: "1764236400000000001" };
    await bus.publish(Topics.fill, envelope(EventTypes.fill, "oms", fill.account, second));
    await eventually(() => expect(published).toHaveLength(2));
    await call(other)(Subjects.accountDisarm, { account: "paper-main" }, { actor: "root" });
    await eventually(() => expect(modes.map((m) => m.mode)).toEqual(["PAPER"]));
    stored.release();
    // The read begun before them answers what its load read; every later one has both fills and the disarm.
    expect(((await loading) as Position[]).map((p) => p.quantity)).toEqual(["10"]);
    expect(((await replica.get("/positions")) as Position[]).map((p) => [p.quantity, p.averagePrice])).toEqual([
      ["20", "70005.5"],
    ]);
    const [account] = (await replica.get("/accounts")) as Account[];
    expect([account?.mode, account?.balances.map((b) => b.total)]).toEqual(["PAPER", ["-400250.1"]]);
    await Promise.all([replica.stop(), other.stop()]);
  });
});
