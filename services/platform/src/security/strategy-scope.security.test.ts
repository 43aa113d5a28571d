import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Order } from "@jts/contracts";
import { bootSecurityPlatform, errorOf, type SecurityPlatform, type Session } from "./harness.ts";

// Issue 14 item 2: a trader tagged their own order with the admin's strategy and its fill drove that strategy.
let p: SecurityPlatform;
let trader: Session;
beforeAll(async () => {
  p = await bootSecurityPlatform({ JTS_EXTRA_ACCOUNTS: "paper-trader:mallory:paper:KRW:100000000" });
  trader = await p.addUser("mallory", "trader");
});
afterAll(() => p?.stop());

const order = (clientOrderId: string, extra: Record<string, unknown>) => ({
  clientOrderId,
  symbol: "BTC-KRW",
  side: "BUY",
  type: "MARKET",
  quantity: "0.001",
  ...extra,
});

describe("strategyId on POST /api/orders (issue 14 item 2)", () => {
  it("refuses a trader's order tagged with a strategy of another account, and places nothing", async () => {
    const res = await p.json("/api/orders", {
      token: trader,
      body: order("mallory-1", { account: "paper-trader", strategyId: "ma-BTC-KRW" }),
    });
    expect(res.status).toBe(403);
    expect(errorOf(res.body)?.message).toContain("strategy ma-BTC-KRW trades account paper-main");
    const orders = await p.json<Order[]>("/api/orders", { token: trader });
    expect(orders.body.filter((o) => o.clientOrderId === "mallory-1")).toEqual([]);
  });

  it("refuses a strategyId that names no strategy", async () => {
    const res = await p.json("/api/orders", { token: trader, body: order("mallory-2", { strategyId: "no-such-one" }) });
    expect(res.status).toBe(403);
  });

  it("still takes the owner's tagged order, on the strategy's own account", async () => {
    const res = await p.json<Order>("/api/orders", {
      token: p.admin,
      body: order("admin-1", { strategyId: "ma-BTC-KRW" }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ account: "paper-main", strategyId: "ma-BTC-KRW" });
  });

  it("keeps a trader's untagged order working", async () => {
    const res = await p.json<Order>("/api/orders", { token: trader, body: order("mallory-3", {}) });
    expect(res.status).toBe(201);
    expect(res.body.account).toBe("paper-trader");
  });
});
