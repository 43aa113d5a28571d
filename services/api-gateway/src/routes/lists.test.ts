import { beforeAll, describe, expect, it } from "bun:test";
import type { Fill, FillsQuery, ListCursor, Order, OrderQuery } from "@jts/contracts";
import { createLogger, memoryRuntime } from "@jts/kit";
import { fillFixture, orderFixture, readJson } from "@jts/kit/testing";
import { UserDirectory } from "../auth/users.ts";
import { createGatewayService } from "../service.ts";

const settings = {
  jwtSecret: "list-routes-test-secret-list-routes-0123",
  accessTtlSeconds: 60,
  refreshTtlSeconds: 600,
  rateLimit: 1000,
  rateWindowMs: 60_000,
  loginRateLimit: 100,
  rpcTimeoutMs: 2000,
  corsOrigins: [],
};

/** 2500 orders and fills, newest first; every 5 share a time, so pages cut through ties. */
const TOTAL = 2500;
const time = (i: number) => String(1764236400000000000n - BigInt(Math.floor(i / 5)));
// Newest first within a tie means the id descends: pad so string order is numeric order.
const id = (prefix: string, i: number) => `${prefix}:${String(TOTAL - i).padStart(5, "0")}`;
const orders: Order[] = Array.from({ length: TOTAL }, (_, i) =>
  orderFixture({ id: id("o", i), clientOrderId: `c${i}`, account: "alice-1", createdAt: time(i), updatedAt: time(i) }),
);
const fills: Fill[] = Array.from({ length: TOTAL }, (_, i) =>
  fillFixture({ id: id("f", i), orderId: "o:00001", account: "alice-1", tsEvent: time(i) }),
);

/** The OMS's paging, as the repository contract pins it: strictly after the cursor, `limit` at a time. */
function page<T>(items: T[], key: (item: T) => ListCursor, query: { limit?: number; before?: ListCursor }): T[] {
  const { before } = query;
  const start = before
    ? items.findIndex((item) => key(item).time === before.time && key(item).id === before.id) + 1
    : 0;
  return items.slice(start, start + (query.limit ?? 500));
}

const asked: Record<string, Array<OrderQuery | FillsQuery>> = { "order.list": [], "order.fills": [] };
let gateway: ReturnType<typeof createGatewayService>;
let token = "";
const get = (path: string) =>
  gateway.app.handle(new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token}` } }));

beforeAll(async () => {
  const users = new UserDirectory();
  await users.add("alice", "alice-password-1", "trader");
  const runtime = memoryRuntime(createLogger({}, "error", () => {}));
  await runtime.rpc.serve("portfolio.accounts", () => [
    { id: "alice-1", owner: "alice", venue: "sim", kind: "CASH", baseCurrency: "KRW", balances: [], mode: "PAPER" },
  ]);
  await runtime.rpc.serve("order.list", (request) => {
    const query = request as OrderQuery;
    asked["order.list"]?.push(query);
    return page(orders, (o) => ({ time: o.createdAt, id: o.id }), query);
  });
  await runtime.rpc.serve("order.fills", (request) => {
    const query = request as FillsQuery;
    asked["order.fills"]?.push(query);
    return page(fills, (f) => ({ time: f.tsEvent, id: f.id }), query);
  });
  gateway = createGatewayService(runtime, users, settings);
  const login = await gateway.app.handle(
    new Request("http://localhost/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", password: "alice-password-1" }),
    }),
  );
  token = (await readJson(login)).accessToken;
});

describe.each([
  ["/api/orders", "order.list", orders, (o: Order) => `${o.createdAt}:${o.id}`],
  ["/api/fills", "order.fills", fills, (f: Fill) => `${f.tsEvent}:${f.id}`],
] as const)("GET %s in pages", (path, subject, all, cursorOf) => {
  it("answers 500 newest first by default, in one rpc page, scoped to the caller's accounts", async () => {
    const before = asked[subject]?.length ?? 0;
    const res = await get(path);
    expect(res.status).toBe(200);
    const body = (await readJson(res)) as Array<{ id: string }>;
    expect(body.map((item) => item.id)).toEqual(all.slice(0, 500).map((item) => item.id));
    expect(asked[subject]?.slice(before)).toEqual([{ limit: 500, accounts: ["alice-1"] }]);
  });

  it("reads a limit above one rpc page (1000) as pages that join without a gap or a repeat", async () => {
    const before = asked[subject]?.length ?? 0;
    const res = await get(`${path}?limit=2000`);
    expect(res.status).toBe(200);
    const body = (await readJson(res)) as Array<{ id: string }>;
    expect(body.map((item) => item.id)).toEqual(all.slice(0, 2000).map((item) => item.id));
    const calls = asked[subject]?.slice(before) ?? [];
    expect(calls.map((q) => q.limit)).toEqual([1000, 1000]);
    expect(calls[1]?.before).toEqual({ time: time(999), id: (all[999] as { id: string }).id });
  });

  it("continues after `before` (an id with a colon in it splits at the first colon) through a tie to the end", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const res = await get(`${path}?limit=700${cursor ? `&before=${encodeURIComponent(cursor)}` : ""}`);
      expect(res.status).toBe(200);
      const body = (await readJson(res)) as Array<Order & Fill>;
      seen.push(...body.map((item) => item.id));
      if (body.length < 700) break;
      cursor = cursorOf(body.at(-1) as Order & Fill);
    }
    expect(seen).toEqual(all.map((item) => item.id));
  });

  it.each([
    ["a limit of 0", "limit=0"],
    ["a limit past 2000", "limit=2001"],
    ["a fractional limit", "limit=1.5"],
    ["a limit that is not a number", "limit=many"],
    ["a cursor without an id", "before=1764236400000000000"],
    ["a cursor whose time is not ns digits", "before=yesterday:o1"],
    ["a cursor with a bad id", "before=1:o%201"],
  ])("answers 422 to %s and asks the OMS nothing", async (_, query) => {
    const before = asked[subject]?.length ?? 0;
    const res = await get(`${path}?${query}`);
    expect(res.status).toBe(422);
    expect(asked[subject]?.length).toBe(before);
  });
});
