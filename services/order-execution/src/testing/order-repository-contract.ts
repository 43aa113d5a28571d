import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { Envelope, EventTransport, Fill, ListCursor, Order } from "@jts/contracts";
import { envelope } from "@jts/kit";
import { eventually, fillFixture, orderFixture } from "@jts/kit/testing";
import type { OrderRepository, OrderTransaction } from "../repository.ts";

export interface RepositoryHarness {
  repository: OrderRepository;
  /** Where committed events end up. */
  bus: EventTransport;
  /** Moves committed events to the bus (the outbox relay's job for PostgreSQL; nothing for memory). */
  deliver(): Promise<void>;
  close(): Promise<void>;
}

/** The repository stores any staged envelope: this suite uses topics of its own, which no contract (and no service) knows. */
const untyped = (tx: OrderTransaction) => tx as unknown as { emit(topic: string, event: Envelope): void };

let n = 0;
/** Later fixtures are newer: lists sort by time first. */
const at = (k: number) => String(1764236400000000000n + BigInt(k));
const order = (overrides: Partial<Order> = {}): Order => {
  n++;
  return orderFixture({ id: `o-${n}`, clientOrderId: `c-${n}`, createdAt: at(n), updatedAt: at(n), ...overrides });
};
const fill = (o: Order, overrides: Partial<Fill> = {}): Fill =>
  fillFixture({
    id: `f-${++n}`,
    orderId: o.id,
    clientOrderId: o.clientOrderId,
    account: o.account,
    venue: o.venue,
    symbol: o.symbol,
    side: o.side,
    price: "71000",
    quantity: "1",
    fee: "0.5",
    tsEvent: at(n),
    ...overrides,
  });

/** The one suite every OrderRepository passes (in-memory, PostgreSQL). */
export function orderRepositoryContract(name: string, open: () => Promise<RepositoryHarness>) {
  describe(`OrderRepository contract: ${name}`, () => {
    let h: RepositoryHarness;
    let repo: OrderRepository;
    let events: Array<{ type: string; payload: unknown }>;

    beforeEach(async () => {
      h = await open();
      repo = h.repository;
      events = [];
      await h.bus.subscribe("test.*", (e: Envelope) => void events.push({ type: e.type, payload: e.payload }));
    });
    afterEach(async () => {
      await h.close();
    });

    const insert = (o: Order) => repo.transaction((tx) => tx.insert(o));

    it("stores a new order and finds it by id and by account and clientOrderId", async () => {
      const o = order();
      expect(await insert(o)).toEqual({ order: o, created: true });
      expect(await repo.get(o.id)).toEqual(o);
      expect(await repo.findByClientId(o.account, o.clientOrderId)).toEqual(o);
      expect(await repo.get("missing")).toBeUndefined();
      expect(await repo.findByClientId(o.account, "missing")).toBeUndefined();
    });

    it("returns the stored order instead of a second one for the same account and clientOrderId", async () => {
      const first = order({ clientOrderId: "same" });
      await insert(first);
      const again = await insert(order({ clientOrderId: "same", quantity: "99" }));
      expect(again).toEqual({ order: first, created: false });
      expect(await repo.list()).toHaveLength(1);
    });

    it("keeps the same clientOrderId apart on different accounts", async () => {
      await insert(order({ clientOrderId: "same", account: "a" }));
      expect((await insert(order({ clientOrderId: "same", account: "b" }))).created).toBe(true);
    });

    it("stores one order when two transactions insert the same clientOrderId at once", async () => {
      const results = await Promise.all(
        [1, 2, 3].map(() => repo.transaction((tx) => tx.insert(order({ clientOrderId: "race" })))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.order.id)).size).toBe(1);
      expect(await repo.list()).toHaveLength(1);
    });

    it("creates an order with its event once per clientOrderId: a taken one, or a race, gets the stored order and no event", async () => {
      const created: string[] = [];
      await h.bus.subscribe("order.updated", (e: Envelope) => void created.push((e.payload as Order).id));
      const first = order({ clientOrderId: "create-once" });
      const eventOf = (o: Order) => envelope("Order", "test", o.account, o) as Envelope<Order>;
      expect(await repo.create(first, eventOf(first), "paper")).toEqual({ order: first, created: true });
      const retry = order({ clientOrderId: "create-once", quantity: "99" });
      expect(await repo.create(retry, eventOf(retry), "paper")).toEqual({ order: first, created: false });
      const racers = [1, 2, 3].map(() => order({ clientOrderId: "create-race" }));
      const raced = await Promise.all(racers.map((o) => repo.create(o, eventOf(o), "paper")));
      expect(raced.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(raced.map((r) => r.order.id)).size).toBe(1);
      await h.deliver();
      await eventually(() =>
        expect(created.sort()).toEqual([first.id, raced.find((r) => r.created)?.order.id ?? "none"].sort()),
      );
      await Bun.sleep(20);
      expect(created).toHaveLength(2);
      expect(await repo.list()).toHaveLength(2);
    });

    it("publishes a transaction's events after it commits, in the order emitted", async () => {
      const o = order();
      await repo.transaction(async (tx) => {
        await tx.insert(o);
        untyped(tx).emit("test.a", envelope("First", "test", o.account, { step: 1 }));
        untyped(tx).emit("test.b", envelope("Second", "test", o.account, { step: 2 }));
      });
      await h.deliver();
      await eventually(() =>
        expect(events).toEqual([
          { type: "First", payload: { step: 1 } },
          { type: "Second", payload: { step: 2 } },
        ]),
      );
    });

    it("leaves no writes and no events behind when a transaction throws", async () => {
      const o = order();
      const error = await repo
        .transaction(async (tx) => {
          await tx.insert(o);
          await tx.addFill(fill(o));
          await tx.markProcessed("c", "e-rolled-back");
          untyped(tx).emit("test.a", envelope("Lost", "test", o.account, {}));
          throw new Error("changed my mind");
        })
        .catch((e: unknown) => e);
      expect((error as Error).message).toBe("changed my mind");
      await h.deliver();
      await Bun.sleep(20);
      expect(events).toEqual([]);
      expect(await repo.get(o.id)).toBeUndefined();
      expect(await repo.listFills()).toEqual([]);
      expect(await repo.transaction((tx) => tx.markProcessed("c", "e-rolled-back"))).toBe(true);
    });

    it("locks the current order and saves the fields that change over its life", async () => {
      const o = order();
      await insert(o);
      await repo.transaction(async (tx) => {
        const current = (await tx.lock(o.id)) as Order;
        Object.assign(current, {
          status: "PARTIALLY_FILLED",
          filledQuantity: "4",
          averagePrice: "71060.5",
          venueOrderId: "V-1",
          updatedAt: "1764236400123456789",
        });
        await tx.update(current);
      });
      expect(await repo.get(o.id)).toEqual({
        ...o,
        status: "PARTIALLY_FILLED",
        filledQuantity: "4",
        averagePrice: "71060.5",
        venueOrderId: "V-1",
        updatedAt: "1764236400123456789",
      });
      await repo.transaction(async (tx) => {
        const current = (await tx.lock(o.id)) as Order;
        await tx.update({ ...current, status: "REJECTED", rejectReason: "risk: too big" });
      });
      expect(await repo.get(o.id)).toMatchObject({ status: "REJECTED", rejectReason: "risk: too big" });
      expect(await repo.transaction((tx) => tx.lock("missing"))).toBeUndefined();
    });

    it("finds an updated order by its clientOrderId, and an insert of that clientOrderId gets it as updated", async () => {
      const o = order();
      await insert(o);
      await repo.transaction(async (tx) => {
        const current = (await tx.lock(o.id)) as Order;
        await tx.update({ ...current, status: "ACCEPTED", venueOrderId: "V-9" });
      });
      expect(await repo.findByClientId(o.account, o.clientOrderId)).toMatchObject({ id: o.id, status: "ACCEPTED" });
      const retry = await repo.transaction((tx) => tx.insert({ ...o, id: "another-id" }));
      expect(retry.created).toBe(false);
      expect(retry.order).toMatchObject({ id: o.id, status: "ACCEPTED", venueOrderId: "V-9" });
    });

    it("saves what an amend changes (quantity, price, stop price) with the rest", async () => {
      const o = order({ type: "STOP_LIMIT", quantity: "2", price: "100", stopPrice: "99" });
      await insert(o);
      const amended = {
        ...o,
        quantity: "3",
        price: "101",
        stopPrice: "98.5",
        type: "LIMIT" as const,
        timeInForce: "IOC" as const,
        strategyId: "s-amend",
        status: "ACCEPTED" as const,
        updatedAt: "1764236400123456789",
      };
      await repo.transaction(async (tx) => {
        await tx.lock(o.id);
        await tx.update(amended);
      });
      expect(await repo.get(o.id)).toEqual(amended);
      expect(await repo.findByClientId(o.account, o.clientOrderId)).toEqual(amended);
      expect((await repo.list()).find((x) => x.id === o.id)).toEqual(amended);
    });

    it("refuses an update of an order it does not have, or one that changes the order's identity", async () => {
      const o = order();
      await insert(o);
      await expect(repo.transaction((tx) => tx.update(order()))).rejects.toThrow();
      for (const identity of [
        { account: "elsewhere" },
        { clientOrderId: "other" },
        { symbol: "ETH-KRW" },
        { side: "SELL" as const },
      ])
        await expect(repo.transaction((tx) => tx.update({ ...o, ...identity }))).rejects.toThrow();
      expect(await repo.get(o.id)).toEqual(o);
    });

    it("loses no update when two transactions change one order at once", async () => {
      const o = order();
      await insert(o);
      const bump = () =>
        repo.transaction(async (tx) => {
          const current = (await tx.lock(o.id)) as Order;
          await Bun.sleep(5);
          await tx.update({ ...current, filledQuantity: String(Number(current.filledQuantity) + 1) });
        });
      await Promise.all([bump(), bump(), bump()]);
      expect((await repo.get(o.id))?.filledQuantity).toBe("3");
    });

    it("keeps exact decimals and nanosecond timestamps", async () => {
      const o = order({
        type: "LIMIT",
        quantity: "0.000000001",
        price: "12345678901234567890.123456789",
        stopPrice: "0.5",
        createdAt: "1764236400123456789",
        updatedAt: "1764236400123456789",
      });
      await insert(o);
      expect(await repo.get(o.id)).toEqual(o);
    });

    it("returns copies, so changing a returned order changes nothing stored", async () => {
      const o = order();
      const { order: stored } = await insert(o);
      stored.status = "FILLED";
      const got = (await repo.get(o.id)) as Order;
      got.status = "CANCELED";
      expect((await repo.get(o.id))?.status).toBe("NEW");
    });

    it("records a fill once and lists fills newest first, by account", async () => {
      const a = order({ account: "a" });
      const b = order({ account: "b" });
      await insert(a);
      await insert(b);
      const f1 = fill(a, { price: "71000.25", fee: "0" });
      const f2 = fill(b);
      const f3 = fill(a);
      expect(await repo.transaction((tx) => tx.addFill(f1))).toBe(true);
      expect(await repo.transaction((tx) => tx.addFill(f1))).toBe(false);
      await repo.transaction(async (tx) => {
        await tx.addFill(f2);
        await tx.addFill(f3);
      });
      expect(await repo.listFills()).toEqual([f3, f2, f1]);
      expect(await repo.listFills({ accounts: ["a"] })).toEqual([f3, f1]);
      expect(await repo.listFills({ accounts: ["nobody"] })).toEqual([]);
    });

    it("lists one order's fills, those of the open transaction included", async () => {
      const a = order();
      const b = order();
      await insert(a);
      await insert(b);
      const f1 = fill(a);
      await repo.transaction((tx) => tx.addFill(f1));
      await repo.transaction((tx) => tx.addFill(fill(b)));
      const f2 = fill(a);
      const seen = await repo.transaction(async (tx) => {
        await tx.addFill(f2);
        return tx.fills(a.id);
      });
      expect(seen.sort((x, y) => x.id.localeCompare(y.id))).toEqual([f1, f2].sort((x, y) => x.id.localeCompare(y.id)));
      expect(await repo.transaction((tx) => tx.fills("nobody"))).toEqual([]);
    });

    it("marks an event processed once per consumer", async () => {
      const twice = await repo.transaction(async (tx) => [
        await tx.markProcessed("oms", "e0"),
        await tx.markProcessed("oms", "e0"),
      ]);
      expect(twice).toEqual([true, false]);
      expect(await repo.transaction((tx) => tx.markProcessed("oms", "e0"))).toBe(false);
      expect(await repo.transaction((tx) => tx.markProcessed("oms", "e1"))).toBe(true);
      expect(await repo.transaction((tx) => tx.markProcessed("oms", "e1"))).toBe(false);
      expect(await repo.transaction((tx) => tx.markProcessed("other", "e1"))).toBe(true);
    });

    it("stores a created order bound to its broker; a taken clientOrderId, or a race, keeps the stored order's binding", async () => {
      const eventOf = (o: Order) => envelope("Order", "test", o.account, o) as Envelope<Order>;
      const bound = order();
      await repo.create(bound, eventOf(bound), "upbit");
      // Stored with the insert: nothing else was called between.
      expect(await repo.brokerOf(bound.id)).toBe("upbit");
      // The first binding wins: routing it later does not move it.
      expect(await repo.bindBroker(bound.id, "paper")).toBe("upbit");

      const retry = order({ clientOrderId: bound.clientOrderId });
      expect((await repo.create(retry, eventOf(retry), "paper")).order.id).toBe(bound.id);
      expect(await repo.brokerOf(bound.id)).toBe("upbit");
      expect(await repo.brokerOf(retry.id)).toBeNull();

      const racers = ["upbit", "paper", "binance"].map((broker) => ({
        o: order({ clientOrderId: "bind-race" }),
        broker,
      }));
      const raced = await Promise.all(racers.map(({ o, broker }) => repo.create(o, eventOf(o), broker)));
      const winner = raced.find((r) => r.created)?.order.id;
      expect(new Set(raced.map((r) => r.order.id))).toEqual(new Set([winner as string]));
      expect(await repo.brokerOf(winner as string)).toBe(racers.find(({ o }) => o.id === winner)?.broker as string);
      for (const { o } of racers.filter(({ o }) => o.id !== winner)) expect(await repo.brokerOf(o.id)).toBeNull();
    });

    it("stores an order created with no broker unbound: the first route binds it", async () => {
      const eventOf = (o: Order) => envelope("Order", "test", o.account, o) as Envelope<Order>;
      const unbound = order();
      expect((await repo.create(unbound, eventOf(unbound), null)).created).toBe(true);
      expect(await repo.brokerOf(unbound.id)).toBeNull();
      expect(await repo.bindBroker(unbound.id, "paper")).toBe("paper");
      expect(await repo.bindBroker(unbound.id, "upbit")).toBe("paper");
    });

    it("binds an order to the first broker it is routed to, for good", async () => {
      const o = order();
      await insert(o);
      expect(await repo.brokerOf(o.id)).toBeNull();
      expect(await repo.bindBroker(o.id, "upbit")).toBe("upbit");
      // A second router (another replica, a later mode) does not move it.
      expect(await repo.bindBroker(o.id, "paper")).toBe("upbit");
      expect(await repo.brokerOf(o.id)).toBe("upbit");
      expect(await repo.brokerOf("nobody")).toBeNull();
      await expect(repo.bindBroker("nobody", "paper")).rejects.toThrow();
    });

    it("lists orders newest first, filtered by status, symbol and accounts", async () => {
      const first = order({ account: "a", symbol: "005930" });
      const second = order({ account: "b", symbol: "BTC-KRW", venue: "upbit" });
      const third = order({ account: "a", symbol: "BTC-KRW", venue: "upbit", status: "FILLED" });
      for (const o of [first, second, third]) await insert(o);
      expect((await repo.list()).map((o) => o.id)).toEqual([third.id, second.id, first.id]);
      expect((await repo.list({ status: "NEW" })).map((o) => o.id)).toEqual([second.id, first.id]);
      expect((await repo.list({ symbol: "BTC-KRW" })).map((o) => o.id)).toEqual([third.id, second.id]);
      expect((await repo.list({ accounts: ["a"] })).map((o) => o.id)).toEqual([third.id, first.id]);
      expect(await repo.list({ accounts: [] })).toEqual([]);
      expect((await repo.list({ accounts: ["a"], symbol: "005930", status: "NEW" })).map((o) => o.id)).toEqual([
        first.id,
      ]);
    });

    it("pages orders newest first by (createdAt, id), ids compared as bytes, `limit` at a time", async () => {
      // Same time: the id decides, byte order ("B" < "a" < "b"), whatever the database's locale says.
      const same = at(900);
      const tied = ["o-b", "o-B", "o-a"].map((id) => order({ id, createdAt: same }));
      const older = order({ createdAt: at(800) });
      const newer = order({ createdAt: at(1000) });
      for (const o of [...tied, older, newer]) await insert(o);
      const all = ["o-b", "o-a", "o-B"];
      expect((await repo.list()).map((o) => o.id)).toEqual([newer.id, ...all, older.id]);
      expect((await repo.list({ limit: 2 })).map((o) => o.id)).toEqual([newer.id, "o-b"]);
      // The cursor falls inside the tie: the next page holds the rest of it, nothing twice.
      const next = await repo.list({ limit: 2, before: { time: same, id: "o-b" } });
      expect(next.map((o) => o.id)).toEqual(["o-a", "o-B"]);
      const last = await repo.list({ limit: 2, before: { time: same, id: "o-B" } });
      expect(last.map((o) => o.id)).toEqual([older.id]);
      expect(await repo.list({ before: { time: older.createdAt, id: older.id } })).toEqual([]);
      // Filters and the cursor combine.
      expect(
        (await repo.list({ status: "NEW", accounts: [older.account], before: { time: same, id: "o-a" } })).map(
          (o) => o.id,
        ),
      ).toEqual(["o-B", older.id]);
    });

    it("loses and repeats no order across pages while new orders arrive", async () => {
      const existing: Order[] = [];
      for (let i = 0; i < 11; i++) existing.push(order({ createdAt: at(100 + Math.floor(i / 3)) })); // ties of three
      for (const o of existing) await insert(o);
      const seen = await readAllPages(
        4,
        (before) => repo.list({ limit: 4, ...(before ? { before } : {}) }),
        (o) => ({ time: o.createdAt, id: o.id }),
        // A new order lands between every two pages.
        () => insert(order({ createdAt: at(5000 + n) })),
      );
      expect(seen).toEqual(newestFirst(existing, (o) => ({ time: o.createdAt, id: o.id })));
    });

    it("pages fills newest first by (tsEvent, id) and loses and repeats none while new fills arrive", async () => {
      const o = order();
      await insert(o);
      const existing = Array.from({ length: 9 }, (_, i) => fill(o, { tsEvent: at(200 + Math.floor(i / 2)) }));
      for (const f of existing) await repo.transaction((tx) => tx.addFill(f));
      const expected = newestFirst(existing, (f) => ({ time: f.tsEvent, id: f.id }));
      expect(await repo.listFills({ limit: 3 })).toEqual(expected.slice(0, 3));
      const seen = await readAllPages(
        2,
        (before) => repo.listFills({ limit: 2, accounts: [o.account], ...(before ? { before } : {}) }),
        (f) => ({ time: f.tsEvent, id: f.id }),
        () => repo.transaction((tx) => tx.addFill(fill(o, { tsEvent: at(9000 + n) }))),
      );
      expect(seen).toEqual(expected);
    });

    it("stores and finds an order whose outcome is unknown (OUTCOME_UNKNOWN survives a restart)", async () => {
      const unknown = order({ status: "OUTCOME_UNKNOWN", rejectReason: "broker kis: timed out" });
      await insert(unknown);
      expect((await repo.list({ status: "OUTCOME_UNKNOWN" })).map((o) => o.id)).toEqual([unknown.id]);
      expect(await repo.get(unknown.id)).toMatchObject({
        status: "OUTCOME_UNKNOWN",
        rejectReason: "broker kis: timed out",
      });
    });
  });
}

/** Reads page after page until a short one, calling `between` before each next page. */
async function readAllPages<T>(
  limit: number,
  read: (before: ListCursor | undefined) => Promise<T[]>,
  cursorOf: (item: T) => ListCursor,
  between: () => Promise<unknown>,
): Promise<T[]> {
  const seen: T[] = [];
  let before: ListCursor | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await read(before);
    seen.push(...page);
    const last = page.at(-1);
    if (!last || page.length < limit) return seen;
    before = cursorOf(last);
    await between();
  }
  throw new Error("paging did not end");
}

/** The expected order, worked out independently of the repositories: time descending, then id by bytes descending. */
function newestFirst<T>(items: T[], key: (item: T) => ListCursor): T[] {
  return [...items].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    if (x.time !== y.time) return BigInt(y.time) > BigInt(x.time) ? 1 : -1;
    return Buffer.compare(Buffer.from(y.id), Buffer.from(x.id));
  });
}
