import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type Fill, type ListCursor, type Order, Subjects } from "@jts/contracts";
import { MemoryEventBus, memoryRuntime, rpcClient } from "@jts/kit";
import { connectNats, NatsRpc } from "@jts/kit/nats";
import { fillFixture, orderFixture, serverUrl, silentLogger } from "@jts/kit/testing";
import { MemoryOrderRepository } from "./memory-repository.ts";
import { createOrderExecutionService } from "./service.ts";

const url = serverUrl("NATS_URL");
const COUNT = 3000;
const MIB = 1024 * 1024;

/** Realistic sizes: 26-character ids, as newId makes, and nanosecond times. */
const ulid = (prefix: string, i: number) => `${prefix}${String(i).padStart(25, "0")}`;
const time = (i: number) => String(1764236400000000000n + BigInt(i) * 1_000_000n);

if (!url) it.skip("order.list and order.fills over NATS (NATS_URL not set)", () => {});
else
  describe("order.list and order.fills over the real NATS rpc, 3000 of each stored", () => {
    const orders: Order[] = Array.from({ length: COUNT }, (_, i) =>
      orderFixture({
        id: ulid("O", i),
        clientOrderId: `ma-crossover-005930-${time(i)}`,
        account: "acc-krx-1",
        createdAt: time(i),
        updatedAt: time(i),
        strategyId: "ma-crossover-005930",
      }),
    );
    const fills: Fill[] = orders.map((order, i) =>
      fillFixture({
        id: ulid("F", i),
        orderId: order.id,
        clientOrderId: order.clientOrderId,
        account: order.account,
        strategyId: order.strategyId,
        price: "71250.5",
        fee: "35.625",
        tsEvent: time(i),
      }),
    );
    let service: ReturnType<typeof createOrderExecutionService>;
    let server: NatsRpc;
    let client: NatsRpc;

    beforeAll(async () => {
      // A prefix of its own: other tests on this NATS serve order.list too.
      const prefix = `list-paging-${Math.random().toString(36).slice(2, 8)}`;
      server = new NatsRpc(await connectNats(url, "oms-list-test"), { prefix, ownsConnection: true });
      client = new NatsRpc(await connectNats(url, "oms-list-client"), { prefix, ownsConnection: true });
      const bus = new MemoryEventBus();
      const repository = new MemoryOrderRepository(bus);
      for (let i = 0; i < COUNT; i++)
        await repository.transaction(async (tx) => {
          await tx.insert(orders[i] as Order);
          await tx.addFill(fills[i] as Fill);
        });
      service = createOrderExecutionService(
        { ...memoryRuntime(silentLogger), bus, rpc: server },
        { repository, reconcileOnStart: false, reconcileEveryMs: 0 },
      );
      await service.start();
    }, 30_000);
    afterAll(async () => {
      await service?.stop();
      await Promise.all([server?.close(), client?.close()]);
    });

    it("stores more than one NATS message carries: the whole list, as order.fills answered before, is refused (413)", async () => {
      await server.serve("all-fills", () => fills);
      const refused = await client.request("all-fills", {}, { timeoutMs: 5000 }).catch((e: unknown) => e);
      expect((refused as { code?: string }).code).toBe("PAYLOAD_TOO_LARGE");
      expect(JSON.stringify(orders).length).toBeGreaterThan(MIB);
    });

    it("answers the default page (500 newest) instead of failing", async () => {
      const call = rpcClient(client, 5000).call;
      const newestOrders = await call(Subjects.orderList, {});
      expect(newestOrders.map((o) => o.id)).toEqual(
        orders
          .slice(-500)
          .reverse()
          .map((o) => o.id),
      );
      const newestFills = await call(Subjects.fillList, {});
      expect(newestFills.map((f) => f.id)).toEqual(
        fills
          .slice(-500)
          .reverse()
          .map((f) => f.id),
      );
    });

    it("pages through all 3000 at the largest page (1000) with no item lost or repeated", async () => {
      const call = rpcClient(client, 5000).call;
      const readAll = async <T>(read: (before?: ListCursor) => Promise<T[]>, cursorOf: (item: T) => ListCursor) => {
        const seen: T[] = [];
        let before: ListCursor | undefined;
        for (;;) {
          const page = await read(before);
          seen.push(...page);
          const last = page.at(-1);
          if (!last || page.length < 1000) return seen;
          before = cursorOf(last);
        }
      };
      const allOrders = await readAll(
        (before) => call(Subjects.orderList, { limit: 1000, ...(before ? { before } : {}) }),
        (o) => ({ time: o.createdAt, id: o.id }),
      );
      expect(allOrders.map((o) => o.id)).toEqual([...orders].reverse().map((o) => o.id));
      const allFills = await readAll(
        (before) => call(Subjects.fillList, { limit: 1000, ...(before ? { before } : {}) }),
        (f) => ({ time: f.tsEvent, id: f.id }),
      );
      expect(allFills.map((f) => f.id)).toEqual([...fills].reverse().map((f) => f.id));
    });

    it("refuses a page larger than the contract allows as a bad request", async () => {
      const refused = await rpcClient(client, 5000)
        .call(Subjects.fillList, { limit: 5000 })
        .catch((e: unknown) => e);
      expect((refused as { code?: string }).code).toBe("VALIDATION");
    });
  });
