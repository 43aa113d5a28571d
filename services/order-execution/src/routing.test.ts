import { describe, expect, it } from "bun:test";
import { MemoryRpc, rpcClient } from "@jts/kit";
import { accountModeFromPortfolio, BrokerRouter } from "./routing.ts";

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
  it("reads the mode from the portfolio: LIVE only when it says so, and refuses to guess when it does not answer", async () => {
    const rpc = new MemoryRpc();
    const lookup = accountModeFromPortfolio(rpcClient(rpc, 100));
    await expect(Promise.resolve(lookup("live-1"))).rejects.toThrow();
    await rpc.serve("portfolio.accounts", (request) => {
      const [id] = (request as { accounts: string[] }).accounts;
      return id === "live-1" ? [account("live-1", "LIVE")] : id === "old-1" ? [account("old-1")] : [];
    });
    expect(await lookup("live-1")).toBe("LIVE");
    expect(await lookup("old-1")).toBe("PAPER");
    expect(await lookup("nobody")).toBe("PAPER");
  });

  it("remembers where an order went, so a cancel follows it after the account's mode changed", async () => {
    let mode: "PAPER" | "LIVE" = "PAPER";
    const router = new BrokerRouter({ routes: { upbit: "upbit" }, accountMode: () => mode });
    const order = { id: "o1", account: "a", venue: "upbit" as const };
    expect(await router.brokerFor(order)).toBe("paper");
    mode = "LIVE";
    expect(await router.brokerFor(order)).toBe("paper");
    expect(await router.brokerFor({ ...order, id: "o2" })).toBe("upbit");
    expect(await router.brokerFor({ ...order, id: "o3", venue: "binance" })).toBeNull();
    expect(router.brokers()).toEqual(["paper", "upbit"]);
    expect(router.holdsStops("paper")).toBe(true);
    expect(router.holdsStops("upbit")).toBe(false);
  });
});
