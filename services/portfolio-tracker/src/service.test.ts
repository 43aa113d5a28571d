import { beforeEach, describe, expect, it } from "bun:test";
import { type Account, EventTypes, type Fill, type Position, Subjects, type Tick, Topics } from "@jts/contracts";
import { envelope, memoryRuntime, type Runtime } from "@jts/kit";
import { eventually, fillFixture, readJson, silentLogger } from "@jts/kit/testing";
import { createPortfolioService } from "./service.ts";

const accounts = [
  { id: "paper-main", owner: "admin", venue: "sim" as const, baseCurrency: "KRW", startingCash: "1000000" },
  { id: "alice-1", owner: "alice", venue: "sim" as const, baseCurrency: "KRW", startingCash: "500" },
];

const fill = (overrides: Partial<Fill> = {}): Fill =>
  fillFixture({
    id: "F-1",
    orderId: "o-1",
    clientOrderId: "c-1",
    account: "paper-main",
    fee: "70",
    tsEvent: "1764236400000000000",
    ...overrides,
  });
const tick = (price: string, tsEvent: string): Tick => ({
  symbol: "005930",
  venue: "sim",
  price,
  quantity: "1",
  aggressor: "BUY",
  tradeId: tsEvent,
  tsEvent,
});

describe("portfolio service in memory", () => {
  let runtime: Runtime;
  let published: Position[];
  beforeEach(async () => {
    runtime = memoryRuntime(silentLogger);
    published = [];
    await runtime.bus.subscribe(Topics.positionUpdated, (e) => void published.push(e.payload as Position));
  });

  it("seeds its accounts, applies fills once and serves positions and accounts over HTTP and rpc", async () => {
    const service = createPortfolioService(runtime, { accounts, markThrottleMs: 0 });
    await service.start();
    const event = envelope(EventTypes.fill, "order-execution", "paper-main", fill());
    await runtime.bus.publish(Topics.fill, event);
    await runtime.bus.publish(Topics.fill, event);
    await eventually(() => expect(published).toHaveLength(1));
    expect(published[0]).toMatchObject({
      quantity: "10",
      averagePrice: "70000",
      realizedPnl: "-70",
      lastPrice: "70000",
    });

    await runtime.bus.publish(
      Topics.tick("sim", "005930"),
      envelope(EventTypes.tick, "sim", "005930", tick("71000", "1764236400000000002")),
    );
    await eventually(() => expect(published).toHaveLength(2));
    expect(published[1]).toMatchObject({
      unrealizedPnl: "10000",
      lastPrice: "71000",
      updatedAt: "1764236400000000002",
    });

    const positions = await readJson(await service.app.handle(new Request("http://localhost/positions")));
    expect(positions).toEqual([published[1]]);
    const listed = (await readJson(await service.app.handle(new Request("http://localhost/accounts")))) as Account[];
    expect(listed.map((a) => [a.id, a.balances[0]?.total])).toEqual([
      ["paper-main", "299930"],
      ["alice-1", "500"],
    ]);
    const mine = await runtime.rpc.request<Account[]>(Subjects.accounts, { owner: "alice" });
    expect(mine.map((a) => a.id)).toEqual(["alice-1"]);
    const theirs = await runtime.rpc.request<Position[]>(Subjects.positions, { accounts: ["alice-1"] });
    expect(theirs).toEqual([]);
    await service.stop();
  });

  it("publishes a position's unrealized P&L at most once per throttle interval", async () => {
    const service = createPortfolioService(runtime, { accounts, markThrottleMs: 60_000 });
    await service.start();
    await runtime.bus.publish(Topics.fill, envelope(EventTypes.fill, "oms", "paper-main", fill()));
    await eventually(() => expect(published).toHaveLength(1));
    for (const [price, ts] of [
      ["71000", "1764236400000000002"],
      ["72000", "1764236400000000003"],
    ] as const) {
      await runtime.bus.publish(
        Topics.tick("sim", "005930"),
        envelope(EventTypes.tick, "sim", "005930", tick(price, ts)),
      );
    }
    await Bun.sleep(30);
    expect(published.map((p) => p.lastPrice)).toEqual(["70000", "71000"]);
    expect(await service.portfolio.listPositions()).toMatchObject([{ lastPrice: "72000", unrealizedPnl: "20000" }]);
    await service.stop();
  });
});
