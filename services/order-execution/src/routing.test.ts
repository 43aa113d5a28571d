import { describe, expect, it } from "bun:test";
import { EventTypes, Topics } from "@jts/contracts";
import { envelope, MemoryEventBus, memoryRuntime, rpcClient } from "@jts/kit";
import { eventually, orderFixture, silentLogger } from "@jts/kit/testing";
import { MemoryOrderRepository } from "./memory-repository.ts";
import { AccountModeBook, BrokerRouter, parseNativeAmend, parseOrderRoutes } from "./routing.ts";

const account = (id: string, mode?: string) => ({
  id,
  owner: "o",
  venue: "upbit",
  kind: "CASH",
  baseCurrency: "KRW",
  balances: [],
  ...(mode ? { mode } : {}),
});

describe("broker routing", () => {
  it("keeps each account's mode from the portfolio: PAPER until it says LIVE, snapshot first, announcements after", async () => {
    const runtime = memoryRuntime(silentLogger);
    const book = new AccountModeBook();
    await book.start(runtime.bus, rpcClient(runtime.rpc, 100), runtime.logger);
    // The portfolio is not up: everything trades on paper, never LIVE by guess.
    expect(await book.lookup("live-1")).toBe("PAPER");
    await runtime.rpc.serve("portfolio.accounts", () => [account("live-1", "LIVE"), account("paper-1", "PAPER")]);
    await eventually(() => expect(book.lookup("live-1")).toBe("LIVE"), 5_000);
    expect(book.lookup("paper-1")).toBe("PAPER");
    expect(book.lookup("nobody")).toBe("PAPER");

    const change = {
      account: "live-1",
      mode: "PAPER",
      previous: "LIVE",
      changedBy: "root",
      reason: "x",
      tsEvent: "1",
    } as const;
    await runtime.bus.publish(Topics.accountMode, envelope(EventTypes.accountMode, "test", "live-1", change));
    await eventually(() => expect(book.lookup("live-1")).toBe("PAPER"));
    book.stop();
  });

  it("loads the modes with a consistent read: a portfolio replica's memory that missed a disarm does not route LIVE", async () => {
    const runtime = memoryRuntime(silentLogger);
    const book = new AccountModeBook();
    const asked: unknown[] = [];
    // The stored books say PAPER (disarmed); the answering replica's memory still says LIVE.
    await runtime.rpc.serve("portfolio.accounts", (req) => {
      asked.push(req);
      return [
        account("disarmed", (req as { consistent?: boolean }).consistent ? "PAPER" : "LIVE"),
        account("armed", "LIVE"),
      ];
    });
    await book.start(runtime.bus, rpcClient(runtime.rpc, 100), runtime.logger);
    // Loaded once "armed" reads LIVE (every account is PAPER before).
    await eventually(() => expect(book.lookup("armed")).toBe("LIVE"));
    expect(book.lookup("disarmed")).toBe("PAPER");
    expect(asked).toEqual([{ consistent: true }]);
    book.stop();
  });

  it("routes LIVE only on the portfolio's stored mode: a LIVE announcement (bus events are not signed) is confirmed by a consistent read", async () => {
    const runtime = memoryRuntime(silentLogger);
    const book = new AccountModeBook();
    const stored = new Map<string, "PAPER" | "LIVE">([
      ["victim", "PAPER"],
      ["armed", "PAPER"],
    ]);
    let answer: () => Promise<void> = async () => {};
    await runtime.rpc.serve("portfolio.accounts", async (req) => {
      await answer();
      const ids = (req as { accounts?: string[] }).accounts ?? [...stored.keys()];
      return ids.filter((id) => stored.has(id)).map((id) => account(id, stored.get(id)));
    });
    await book.start(runtime.bus, rpcClient(runtime.rpc, 500), runtime.logger);
    await eventually(() => expect(book.lookup("victim")).toBe("PAPER"));
    const announce = (id: string, mode: "PAPER" | "LIVE") =>
      runtime.bus.publish(
        Topics.accountMode,
        envelope(EventTypes.accountMode, "portfolio-tracker", id, {
          account: id,
          mode,
          previous: mode === "LIVE" ? "PAPER" : "LIVE",
          changedBy: "root",
          reason: "x",
          tsEvent: "1",
        } as const),
      );

    // Forged by anyone holding the bus password: the portfolio never armed the account.
    await announce("victim", "LIVE");
    await Bun.sleep(50);
    expect(book.lookup("victim")).toBe("PAPER");

    // A real arm: stored LIVE, then announced.
    stored.set("armed", "LIVE");
    await announce("armed", "LIVE");
    await eventually(() => expect(book.lookup("armed")).toBe("LIVE"));

    // Armed, then disarmed while the arm's confirmation was in flight (its read saw LIVE): PAPER stands.
    stored.set("victim", "LIVE");
    let release = () => {};
    answer = () => new Promise<void>((resolve) => (release = resolve));
    await announce("victim", "LIVE");
    await announce("victim", "PAPER");
    release();
    answer = async () => {};
    await Bun.sleep(50);
    expect(book.lookup("victim")).toBe("PAPER");
    book.stop();
  });

  it("binds each order to the broker it was routed to, so a cancel follows it after the account's mode changed", async () => {
    let mode: "PAPER" | "LIVE" = "PAPER";
    const repository = new MemoryOrderRepository(new MemoryEventBus());
    const router = new BrokerRouter({ routes: { upbit: "upbit" }, accountMode: () => mode }, repository);
    const order = orderFixture({ id: "o1", clientOrderId: "c1", account: "a", venue: "upbit" });
    await repository.transaction((tx) => tx.insert(order));
    expect(await router.bind(order)).toBe("paper");
    mode = "LIVE";
    expect(await router.brokerFor(order)).toBe("paper");
    expect(await router.bind(order)).toBe("paper");
    expect(await repository.brokerOf(order.id)).toBe("paper");
    // Not routed yet: the account's mode decides, and nothing is bound.
    expect(await router.brokerFor({ ...order, id: "o2" })).toBe("upbit");
    expect(await repository.brokerOf("o2")).toBeNull();
    expect(await router.brokerFor({ ...order, id: "o3", venue: "binance" })).toBeNull();
    expect(router.brokers()).toEqual(["paper", "upbit"]);
    expect(router.holdsStops("paper")).toBe(true);
    expect(router.holdsStops("upbit")).toBe(false);
  });
});

describe("ORDER_ROUTES", () => {
  it("reads venue:broker pairs, the sim venue going to paper unless named", () => {
    expect(parseOrderRoutes("binance:binance, upbit:upbit,kis:kis,creon:creon")).toEqual({
      sim: "paper",
      binance: "binance",
      upbit: "upbit",
      kis: "kis",
      creon: "creon",
    });
    expect(parseOrderRoutes("")).toEqual({ sim: "paper" });
    expect(parseOrderRoutes("sim:sim-live,upbit:upbit-2")).toEqual({ sim: "sim-live", upbit: "upbit-2" });
  });

  it("refuses what is not a known venue and a broker name, and a venue named twice", () => {
    expect(() => parseOrderRoutes("nasdaq:ib")).toThrow("unknown venue nasdaq");
    expect(() => parseOrderRoutes("binance")).toThrow('"binance" is not venue:broker');
    expect(() => parseOrderRoutes("binance:")).toThrow('"binance:" is not venue:broker');
    expect(() => parseOrderRoutes("binance:Bin ance")).toThrow("is not venue:broker");
    expect(() => parseOrderRoutes("upbit:upbit,upbit:other")).toThrow("upbit is routed twice");
  });
});

describe("ORDER_NATIVE_AMEND", () => {
  it("names the brokers that amend in place; none, or a bad name, stops at start", () => {
    expect(parseNativeAmend("kis,creon")).toEqual({ kis: true, creon: true });
    expect(parseNativeAmend("none")).toEqual({});
    expect(() => parseNativeAmend("kis,Creon Bridge")).toThrow("is not a broker name");
    const router = new BrokerRouter(
      { routes: {}, nativeAmend: parseNativeAmend("kis") },
      new MemoryOrderRepository(new MemoryEventBus()),
    );
    expect([router.amendsNatively("kis"), router.amendsNatively("upbit"), router.amendsNatively("paper")]).toEqual([
      true,
      false,
      false,
    ]);
  });
});
