import { afterEach, describe, expect, it, spyOn } from "bun:test";
import type { Tick } from "@jts/contracts";
import type { WsHub } from "./hub.ts";
import { type FakeSocket, fillFor, hubFixture, orderFor, positionFor, settle, tickOf } from "./hub-fixture.ts";

let running: WsHub | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const setup = async (...args: Parameters<typeof hubFixture>) => {
  const fixture = await hubFixture(...args);
  running = fixture.hub;
  return fixture;
};

/** A snapshot read that waits until `release` is called. */
function slowSnapshots(state: { hold: Promise<void> | null }) {
  let release!: () => void;
  state.hold = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    state.hold = null;
    release();
  };
}

/** [seq, snapshot?] per event of one channel, as the client sees them. */
const numbering = (socket: FakeSocket, channel: string) =>
  socket.events(channel).map((e) => [e.seq, e.snapshot === true] as const);

describe("ws hub fan-out", () => {
  it("serialises each public event once and sends every socket that frame during the publish", async () => {
    const { connect, publishTick } = await setup({ alice: ["acc-a"], bob: ["acc-b"] });
    const sockets = [
      await connect("alice:t1", ["ticker:BTC-KRW"]),
      await connect("alice:t2", ["ticker:BTC-KRW"]),
      await connect("bob:t1", ["ticker:BTC-KRW"]),
    ];
    const stringify = spyOn(JSON, "stringify");
    const ticks = Array.from({ length: 20 }, (_, i) => tickOf("BTC-KRW", String(i + 1)));
    for (const tick of ticks) await publishTick(tick);
    await settle();
    // One serialisation per tick, whatever the number of sockets.
    expect(stringify.mock.calls.filter(([value]) => ticks.includes(value as Tick))).toHaveLength(ticks.length);
    stringify.mockRestore();
    for (const socket of sockets) {
      const live = socket.events("ticker:BTC-KRW").filter((e) => !e.snapshot);
      expect(live.map((e) => e.data)).toEqual(ticks);
      expect(live.map((e) => e.seq)).toEqual(ticks.map((_, i) => i + 1));
    }
    // Identical frames: one serialisation served every socket.
    expect(new Set(sockets.map((s) => s.sent.filter((f) => f.includes('"tradeId"')).join("\n"))).size).toBe(1);
  });

  it("sends a public channel's snapshot, then every tick published while it was read, numbered on from it", async () => {
    const { state, connect, publishTick } = await setup({ alice: ["acc-a"] });
    state.prices.push(tickOf("BTC-KRW", "100"));
    const first = await connect("alice:t1", ["ticker:BTC-KRW"]);
    for (const price of ["101", "102"]) await publishTick(tickOf("BTC-KRW", price));
    await settle();

    const release = slowSnapshots(state);
    const joining = connect("alice:t2", ["ticker:BTC-KRW"]);
    await settle();
    const during = [tickOf("BTC-KRW", "103"), tickOf("BTC-KRW", "104", "upbit"), tickOf("BTC-KRW", "105")];
    for (const tick of during) await publishTick(tick);
    await settle();
    release();
    const second = await joining;
    const after = tickOf("BTC-KRW", "106");
    await publishTick(after);
    await settle();

    // Snapshot at seq 2 (the two ticks before the subscribe), then 3, 4, 5 held back behind it, then 6 live.
    expect(numbering(second, "ticker:BTC-KRW")).toEqual([
      [2, true],
      [3, false],
      [4, false],
      [5, false],
      [6, false],
    ]);
    expect(
      second
        .events("ticker:BTC-KRW")
        .filter((e) => !e.snapshot)
        .map((e) => e.data),
    ).toEqual([...during, after]);
    expect(second.sent.findIndex((f) => f.includes('"op":"subscribed"'))).toBe(second.sent.length - 2);
    // The socket that was already live saw the same numbers.
    expect(first.events("ticker:BTC-KRW").map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("holds a private channel's live events behind its snapshot too, and numbers them on from it", async () => {
    const { state, connect, publishOrder } = await setup({ alice: ["acc-a"] });
    const known = orderFor("acc-a");
    state.orders.push(known);
    const first = await connect("alice:t1", ["orders"]);
    await publishOrder(orderFor("acc-a"));
    await settle();

    const release = slowSnapshots(state);
    const joining = connect("alice:t2", ["orders"]);
    await settle();
    const during = [orderFor("acc-a"), orderFor("acc-a")];
    for (const order of during) await publishOrder(order);
    await settle();
    release();
    const second = await joining;

    expect(numbering(second, "orders")).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
    expect(second.events("orders").map((e) => e.data)).toEqual([known, ...during]);
    expect(second.last("subscribed")?.userSeq).toBe(3);
    expect(numbering(first, "orders").filter(([, snapshot]) => !snapshot)).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
  });

  it("drops what a channel held when it is unsubscribed during its snapshot, and a new subscribe starts clean", async () => {
    const { hub, state, connect, publishTick } = await setup({ alice: ["acc-a"] });
    const socket = await connect("alice:t1");
    const release = slowSnapshots(state);
    const first = hub.message(socket, JSON.stringify({ op: "subscribe", channels: ["ticker:BTC-KRW"] }));
    await settle();
    await publishTick(tickOf("BTC-KRW", "1"));
    await settle(); // the hub is a background subscriber: tick 1 reaches it before the unsubscribe
    await hub.message(socket, JSON.stringify({ op: "unsubscribe", channels: ["ticker:BTC-KRW"] }));
    await publishTick(tickOf("BTC-KRW", "2"));
    await settle();
    const second = hub.message(socket, JSON.stringify({ op: "subscribe", channels: ["ticker:BTC-KRW"] }));
    await settle();
    await publishTick(tickOf("BTC-KRW", "3"));
    await settle();
    release();
    await Promise.all([first, second]);
    await publishTick(tickOf("BTC-KRW", "4"));
    await settle();
    // Tick 1 went with the first request; nobody held the channel when tick 2 came, so its numbering
    // started again under the second request: 3 and 4 are its 1 and 2, and nothing else arrives.
    const live = socket.events("ticker:BTC-KRW").filter((e) => !e.snapshot);
    expect(live.map((e) => [e.seq, (e.data as Tick).price])).toEqual([
      [1, "3"],
      [2, "4"],
    ]);
    expect(socket.events("ticker:BTC-KRW").filter((e) => e.snapshot)).toEqual([]);
  });

  it("gives each user only their own accounts' orders, fills and positions, live", async () => {
    const { connect, publishOrder, publishFill, publishPosition } = await setup({
      alice: ["acc-a"],
      bob: ["acc-b"],
    });
    const channels = ["orders", "fills", "positions"];
    const alice = [await connect("alice:t1", channels), await connect("alice:t2", channels)];
    const bob = await connect("bob:t1", channels);
    const mine = { alice: [] as unknown[], bob: [] as unknown[] };
    for (let i = 0; i < 5; i++) {
      for (const [user, account] of [
        ["alice", "acc-a"],
        ["bob", "acc-b"],
      ] as const) {
        const order = orderFor(account);
        const fill = fillFor(account, { orderId: order.id });
        const position = positionFor(account, String(i + 1));
        await publishOrder(order);
        await publishFill(fill);
        await publishPosition(position);
        mine[user].push(order, fill, position);
      }
    }
    await settle();
    const live = (socket: FakeSocket) =>
      socket
        .events()
        .filter((e) => !e.snapshot)
        .map((e) => e.data);
    for (const socket of alice) expect(live(socket)).toEqual(mine.alice);
    expect(live(bob)).toEqual(mine.bob);
  });
});
