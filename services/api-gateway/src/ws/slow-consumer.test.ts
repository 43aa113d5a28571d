import { afterEach, describe, expect, it } from "bun:test";
import type { Tick } from "@jts/contracts";
import type { WsHub } from "./hub.ts";
import { FakeSocket, hubFixture, orderFor, settle, tickOf } from "./hub-fixture.ts";

let running: WsHub | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const SOFT = 1_000;
const HARD = 100_000;

const setup = async () => {
  const fixture = await hubFixture(
    { alice: ["acc-a"], bob: ["acc-b"] },
    { conflateAboveBytes: SOFT, maxBufferedBytes: HARD },
  );
  running = fixture.hub;
  return fixture;
};

describe("ws hub slow consumers", () => {
  it("keeps only the latest tick per symbol and venue while a socket is backed up, and sends them on drain", async () => {
    const { hub, connect, publishTick } = await setup();
    const socket = await connect("alice:t1", ["ticker:BTC-KRW", "ticker:ETH-KRW"]);
    socket.clear();
    socket.buffered = SOFT + 1;
    const last: Record<string, Tick> = {};
    for (let i = 1; i <= 50; i++) {
      for (const [symbol, venue] of [
        ["BTC-KRW", "sim"],
        ["BTC-KRW", "upbit"],
        ["ETH-KRW", "sim"],
      ] as const) {
        const tick = tickOf(symbol, String(i), venue);
        last[`${symbol}|${venue}`] = tick;
        await publishTick(tick);
      }
    }
    await settle();
    expect(socket.sent).toHaveLength(0);
    expect(socket.closed).toBeNull();

    socket.buffered = 0;
    hub.drain(socket);
    const events = socket.events();
    expect(events.map((e) => e.data)).toEqual(Object.values(last));
    // Each channel's numbers jump over the replaced ticks but never go back: BTC-KRW had 100 ticks, ETH-KRW 50.
    expect(events.map((e) => [e.channel, e.seq])).toEqual([
      ["ticker:BTC-KRW", 99],
      ["ticker:BTC-KRW", 100],
      ["ticker:ETH-KRW", 50],
    ]);
    // Drained: live again, so the next tick comes once, at once.
    socket.clear();
    const next = tickOf("BTC-KRW", "51");
    await publishTick(next);
    await settle();
    expect(socket.events().map((e) => [e.seq, e.data])).toEqual([[101, next]]);
  });

  it("rejoins the topic after the held ticks, so the tick that drained it is neither lost nor sent twice", async () => {
    const { connect, publishTick } = await setup();
    const socket = await connect("alice:t1", ["ticker:BTC-KRW"]);
    socket.clear();
    socket.buffered = SOFT + 1;
    await publishTick(tickOf("BTC-KRW", "1"));
    await publishTick(tickOf("BTC-KRW", "2", "upbit"));
    await settle();
    expect(socket.sent).toHaveLength(0);
    // Drained by the time the next tick comes (no drain callback yet): that publish flushes it.
    socket.buffered = 0;
    for (const price of ["3", "4", "5"]) await publishTick(tickOf("BTC-KRW", price));
    await settle();
    expect(socket.events().map((e) => [e.seq, (e.data as Tick).price])).toEqual([
      [2, "2"],
      [3, "3"],
      [4, "4"],
      [5, "5"],
    ]);
  });

  it("stops flushing on drain once the socket is above the soft bound again", async () => {
    const { hub, connect, publishTick } = await setup();
    const socket = await connect("alice:t1", ["ticker:BTC-KRW", "ticker:ETH-KRW"]);
    socket.clear();
    socket.buffered = SOFT + 1;
    await publishTick(tickOf("BTC-KRW", "1"));
    await publishTick(tickOf("ETH-KRW", "2"));
    await settle();
    socket.buffered = 0;
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      socket.buffered = SOFT + 1; // the first flushed tick fills the socket up again
      return send(data);
    };
    hub.drain(socket);
    expect(socket.events().map((e) => (e.data as Tick).symbol)).toEqual(["BTC-KRW"]);
    socket.buffered = 0;
    hub.drain(socket);
    expect(socket.events().map((e) => (e.data as Tick).symbol)).toEqual(["BTC-KRW", "ETH-KRW"]);
  });

  it("never conflates private events: a backed-up socket still gets every order", async () => {
    const { connect, publishOrder } = await setup();
    const socket = await connect("alice:t1", ["orders"]);
    socket.clear();
    socket.buffered = SOFT + 1;
    const orders = Array.from({ length: 20 }, () => orderFor("acc-a"));
    for (const order of orders) await publishOrder(order);
    await settle();
    expect(socket.events("orders").map((e) => e.data)).toEqual(orders);
  });

  it("never lets one slow client delay the others: the fast one gets every tick at once, the stuck one is cut off", async () => {
    const { connect, publishTick, publishOrder } = await setup();
    const fast = await connect("alice:t1", ["ticker:BTC-KRW", "orders"]);
    const behind = await connect("alice:t2", ["ticker:BTC-KRW", "orders"]);
    const stuck = await connect("bob:t1", ["ticker:BTC-KRW"]);
    for (const s of [fast, behind, stuck]) s.clear();
    behind.buffered = SOFT + 1;
    stuck.buffered = 1 << 30;

    const ticks = Array.from({ length: 100 }, (_, i) => tickOf("BTC-KRW", String(i + 1)));
    for (const tick of ticks) await publishTick(tick);
    const order = orderFor("acc-a");
    await publishOrder(order);
    await settle();

    expect(fast.events("ticker:BTC-KRW").map((e) => e.data)).toEqual(ticks);
    expect(fast.events("orders").map((e) => e.data)).toEqual([order]);
    expect(behind.events("ticker:BTC-KRW")).toHaveLength(0);
    expect(behind.events("orders").map((e) => e.data)).toEqual([order]);
    expect(behind.closed).toBeNull();
    expect(stuck.closed).toEqual({ code: 1013, reason: "slow consumer" });
    expect(stuck.sent).toHaveLength(0);
  });

  it("disconnects a socket past the hard bound even for a private event, so it resumes instead", async () => {
    const { hub, connect, publishOrder } = await setup();
    const socket = await connect("alice:t1", ["orders"]);
    socket.buffered = HARD + 1;
    await publishOrder(orderFor("acc-a"));
    await settle();
    expect(socket.closed?.code).toBe(1013);
    expect(hub.size).toBe(0);
  });

  it("finishes a resume replay bigger than the hard bound, then cuts the socket off at the next live event", async () => {
    const { hub, connect, publishOrder } = await setup();
    const first = await connect("alice:t1", ["orders"]);
    const stream = first.last("authed")?.stream as string;
    const seq = first.last("subscribed")?.userSeq as number;
    hub.close(first);
    for (let i = 0; i < 10; i++) await publishOrder(orderFor("acc-a"));
    await settle();

    const socket = new FakeSocket();
    hub.open(socket);
    await hub.message(socket, JSON.stringify({ op: "auth", token: "alice:t1" }));
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      socket.buffered += HARD / 4; // a client that reads nothing while the replay goes out
      return send(data);
    };
    await hub.message(socket, JSON.stringify({ op: "subscribe", channels: ["orders"], resumeFrom: { stream, seq } }));
    expect(socket.events("orders")).toHaveLength(10);
    expect(socket.last("subscribed")).toMatchObject({ resumed: true, userSeq: seq + 10 });
    expect(socket.closed).toBeNull();

    await publishOrder(orderFor("acc-a"));
    await settle();
    expect(socket.closed?.code).toBe(1013);
  });

  it("disconnects a socket whose send was dropped, rather than leave a hole in its stream", async () => {
    const { hub, connect, publishOrder } = await setup();
    const socket = await connect("alice:t1", ["orders"]);
    socket.sendStatus = 0;
    await publishOrder(orderFor("acc-a"));
    await settle();
    expect(socket.closed?.code).toBe(1013);
    expect(hub.size).toBe(0);
  });
});
