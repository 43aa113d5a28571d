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
    expect(errorOf(res.body)?.message).not.toContain("paper-main"); // whose it is stays unsaid (attacker review 6)
    const orders = await p.json<Order[]>("/api/orders", { token: trader });
    expect(orders.body.filter((o) => o.clientOrderId === "mallory-1")).toEqual([]);
  });

  it("refuses a strategyId that names no strategy", async () => {
    const res = await p.json("/api/orders", { token: trader, body: order("mallory-2", { strategyId: "no-such-one" }) });
    expect(res.status).toBe(403);
  });

  it("answers a trader the same 403 whether the strategy does not exist or is another account's (attacker review 6)", async () => {
    const answer = async (path: string, body?: unknown) => {
      const res = await p.json(path, { token: trader, ...(body ? { body } : {}) });
      return { status: res.status, message: errorOf(res.body)?.message.replace(/ma-BTC-KRW|no-such-one/, "<id>") };
    };
    const tag = (strategyId: string) => answer("/api/orders", order(`probe-${strategyId}`, { strategyId }));
    expect(await tag("ma-BTC-KRW")).toEqual(await tag("no-such-one"));
    expect((await tag("no-such-one")).status).toBe(403);
    for (const action of ["start", "stop"]) {
      const foreign = await answer(`/api/strategies/ma-BTC-KRW/${action}`, {});
      expect(foreign.status).toBe(403);
      expect(foreign).toEqual(await answer(`/api/strategies/no-such-one/${action}`, {}));
    }
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
