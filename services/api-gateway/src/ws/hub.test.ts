import { afterEach, describe, expect, it } from "bun:test";
import type { Fill, Order } from "@jts/contracts";
import type { WsHub } from "./hub.ts";
import { type FakeSocket, fillFor, hubFixture, orderFor, settle, tickOf } from "./hub-fixture.ts";

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

/** The resume point a client would keep: its stream and the highest userSeq it saw. */
const cursorOf = (socket: FakeSocket) => {
  const stream = socket.last("authed")?.stream as string;
  const seqs = [
    ...socket.events().map((e) => e.userSeq ?? 0),
    ...socket.messages.flatMap((m) => (m.op === "subscribed" ? [m.userSeq] : [])),
  ];
  return { stream, seq: Math.max(0, ...seqs) };
};

describe("ws hub resume", () => {
  it("replays exactly the N missed order and fill events once each, in order, then streams live", async () => {
    const { hub, connect, publishOrder, publishFill, calls } = await setup({ alice: ["acc-a"] });
    const first = await connect("alice:t1", ["orders", "fills"]);
    await publishOrder(orderFor("acc-a"));
    await settle();
    expect(first.events("orders").filter((e) => !e.snapshot)).toHaveLength(1);
    const cursor = cursorOf(first);
    hub.close(first);

    const missed: Array<Order | Fill> = [];
    for (let i = 0; i < 4; i++) {
      const order = orderFor("acc-a", { status: "FILLED" });
      const fill = fillFor("acc-a", { orderId: order.id });
      missed.push(order, fill);
      await publishOrder(order);
      await publishFill(fill);
    }
    await settle();
    const snapshotCalls = { ...calls };

    const second = await connect("alice:t2", ["orders", "fills"], cursor);
    const events = second.events();
    expect(events.map((e) => e.data)).toEqual(missed);
    expect(events.map((e) => e.channel)).toEqual(missed.map((m) => ("orderId" in m ? "fills" : "orders")));
    expect(events.map((e) => e.userSeq)).toEqual(missed.map((_, i) => cursor.seq + i + 1));
    // `seq` goes on per channel from where the first socket left it: orders had 1 live event, fills none.
    const heads: Record<string, number> = { orders: 1, fills: 0 };
    expect(events.map((e) => e.seq)).toEqual(events.map((e) => (heads[e.channel] = (heads[e.channel] ?? 0) + 1)));
    expect(events.some((e) => e.snapshot)).toBe(false);
    expect(calls).toEqual(snapshotCalls);
    expect(second.last("subscribed")).toEqual({
      op: "subscribed",
      channels: ["orders", "fills"],
      resumed: true,
      userSeq: cursor.seq + missed.length,
    });

    const live = orderFor("acc-a");
    await publishOrder(live);
    await settle();
    expect(second.events().slice(missed.length)).toEqual([
      { op: "event", channel: "orders", seq: 6, userSeq: cursor.seq + missed.length + 1, data: live },
    ]);
  });

  it("replays only the channels asked for, and a reconnect with nothing missed gets nothing", async () => {
    const { hub, connect, publishOrder, publishFill } = await setup({ alice: ["acc-a"] });
    const first = await connect("alice:t1", ["orders", "fills"]);
    const cursor = cursorOf(first);
    hub.close(first);
    await publishFill(fillFor("acc-a"));
    const order = orderFor("acc-a");
    await publishOrder(order);
    await settle();

    const onlyOrders = await connect("alice:t1", ["orders"], cursor);
    expect(onlyOrders.events().map((e) => e.data)).toEqual([order]);
    expect(onlyOrders.last("subscribed")?.resumed).toBe(true);

    const upToDate = await connect("alice:t1", ["orders", "fills"], cursorOf(onlyOrders));
    expect(upToDate.events()).toEqual([]);
    expect(upToDate.last("subscribed")?.resumed).toBe(true);
  });

  it("sends a snapshot and says resumed:false when the ring no longer reaches the resume point", async () => {
    const { hub, state, connect, publishOrder } = await setup({ alice: ["acc-a"] }, { replayEvents: 3 });
    const first = await connect("alice:t1", ["orders"]);
    const cursor = cursorOf(first);
    hub.close(first);
    for (let i = 0; i < 5; i++) {
      const order = orderFor("acc-a");
      state.orders.unshift(order); // the OMS lists newest first
      await publishOrder(order);
    }
    await settle();

    const second = await connect("alice:t1", ["orders"], cursor);
    const events = second.events("orders");
    expect(events.every((e) => e.snapshot === true && e.userSeq === undefined)).toBe(true);
    expect(events.map((e) => e.data)).toEqual([...state.orders].reverse());
    expect(second.last("subscribed")).toMatchObject({ resumed: false, userSeq: cursor.seq + 5 });
  });

  it("will not resume from another stream's cursor (a restarted or other gateway)", async () => {
    const { connect, publishOrder } = await setup({ alice: ["acc-a"] });
    const socket = await connect("alice:t1");
    await publishOrder(orderFor("acc-a"));
    await settle();
    const stream = socket.last("authed")?.stream as string;
    const other = await connect("alice:t1", ["orders"], { stream: `${stream}-old`, seq: 0 });
    expect(other.last("subscribed")?.resumed).toBe(false);
    const future = await connect("alice:t1", ["orders"], { stream, seq: 99 });
    expect(future.last("subscribed")?.resumed).toBe(false);
  });

  it("never replays another user's events, and an admin's stream holds every account", async () => {
    const { hub, connect, publishOrder, publishFill } = await setup({
      alice: ["acc-a"],
      bob: ["acc-b"],
      root: null,
    });
    const sockets = {
      alice: await connect("alice:t1", ["orders", "fills"]),
      bob: await connect("bob:t1", ["orders", "fills"]),
      root: await connect("root:t1", ["orders", "fills"]),
    };
    const cursors = Object.fromEntries(Object.entries(sockets).map(([name, s]) => [name, cursorOf(s)]));
    for (const socket of Object.values(sockets)) hub.close(socket);

    const aliceOrder = orderFor("acc-a");
    const bobOrder = orderFor("acc-b");
    const bobFill = fillFor("acc-b");
    const aliceFill = fillFor("acc-a");
    await publishOrder(aliceOrder);
    await publishOrder(bobOrder);
    await publishFill(bobFill);
    await publishFill(aliceFill);
    await settle();

    const alice = await connect("alice:t2", ["orders", "fills"], cursors.alice);
    const bob = await connect("bob:t2", ["orders", "fills"], cursors.bob);
    const root = await connect("root:t2", ["orders", "fills"], cursors.root);
    expect(alice.events().map((e) => e.data)).toEqual([aliceOrder, aliceFill]);
    expect(bob.events().map((e) => e.data)).toEqual([bobOrder, bobFill]);
    expect(root.events().map((e) => e.data)).toEqual([aliceOrder, bobOrder, bobFill, aliceFill]);
    // Each user has a stream of their own, so bob's cursor means nothing on alice's.
    expect(alice.last("authed")?.stream).not.toBe(bob.last("authed")?.stream);
  });

  it("numbers events per channel: a snapshot carries the channel's last seq, each live event the next", async () => {
    const { state, connect, publishOrder, publishTick, publishFill } = await setup({ alice: ["acc-a"] });
    state.orders.push(orderFor("acc-a"));
    state.prices.push(tickOf("BTC-KRW", "99"));
    const early = await connect("alice:t1", ["ticker:BTC-KRW"]);
    await publishTick(tickOf("BTC-KRW", "100"));
    await publishOrder(orderFor("acc-a"));
    await settle();
    const socket = await connect("alice:t2", ["orders", "fills", "ticker:BTC-KRW"]);
    await publishOrder(orderFor("acc-a"));
    await publishTick(tickOf("BTC-KRW", "101"));
    await publishFill(fillFor("acc-a"));
    await publishOrder(orderFor("acc-a"));
    await settle();
    const seqs = (channel: string) => socket.events(channel).map((e) => [e.seq, e.snapshot === true]);
    expect(seqs("orders")).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
    expect(seqs("fills")).toEqual([[1, false]]);
    expect(seqs("ticker:BTC-KRW")).toEqual([
      [1, true],
      [2, false],
    ]);
    // A public channel's numbers are the same on every socket: the frame is built once.
    expect(early.events("ticker:BTC-KRW").map((e) => e.seq)).toEqual([0, 1, 2]);
    // userSeq only on live private events, across the user's channels.
    expect(socket.events().map((e) => e.userSeq)).toEqual([undefined, undefined, 2, undefined, 3, 4]);
  });
});
