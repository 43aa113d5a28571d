import { expect, it } from "bun:test";
import { type FillsQuery, type OrderQuery, Subjects } from "@jts/contracts";
import { createLogger, MemoryRpc, rpcClient, serve } from "@jts/kit";
import { fillFixture, orderFixture } from "@jts/kit/testing";
import { readSnapshots, SNAPSHOT_ITEMS } from "./snapshots.ts";

it("asks the OMS for exactly the 100 newest orders and fills it sends, and sends them oldest first", async () => {
  const rpc = new MemoryRpc();
  const asked: Array<OrderQuery | FillsQuery> = [];
  await serve(rpc, Subjects.orderList, (query) => {
    asked.push(query);
    return Array.from({ length: query.limit ?? 500 }, (_, i) => orderFixture({ id: `o${i}` }));
  });
  await serve(rpc, Subjects.fillList, (query) => {
    asked.push(query);
    return Array.from({ length: query.limit ?? 500 }, (_, i) => fillFixture({ id: `f${i}` }));
  });
  const [orders, fills] = await readSnapshots(
    rpcClient(rpc),
    createLogger({}, "error", () => {}),
    ["orders", "fills"],
    ["a"],
  );
  expect(asked).toEqual([
    { accounts: ["a"], limit: SNAPSHOT_ITEMS },
    { accounts: ["a"], limit: SNAPSHOT_ITEMS },
  ]);
  expect(SNAPSHOT_ITEMS).toBe(100);
  expect((orders as Array<{ id: string }>).map((o) => o.id)).toEqual(
    Array.from({ length: 100 }, (_, i) => `o${99 - i}`),
  );
  expect(fills).toHaveLength(100);
});
