import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { WsServerMessage } from "@jts/contracts";
import { eventually } from "@jts/kit/testing";
import type { WsConnection } from "./hub.ts";
import { fillFor, hubFixture, orderFor, settle, tickOf } from "./hub-fixture.ts";

let fixture: Awaited<ReturnType<typeof hubFixture>>;
let server: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  fixture = await hubFixture({ alice: ["acc-a"], bob: ["acc-b"] });
  const { hub } = fixture;
  // The same four handlers the gateway gives Elysia's .ws, on a bare Bun server.
  server = Bun.serve({
    port: 0,
    fetch: (request, srv) =>
      srv.upgrade(request, { data: undefined }) ? undefined : new Response("upgrade", { status: 426 }),
    websocket: {
      open: (ws) => hub.open(ws as WsConnection),
      message: (ws, message) => hub.message(ws as WsConnection, message),
      drain: (ws) => hub.drain(ws as WsConnection),
      close: (ws) => hub.close(ws as WsConnection),
    },
  });
});

afterAll(async () => {
  await fixture.hub.stop();
  server.stop(true);
});

async function client() {
  const messages: WsServerMessage[] = [];
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
  ws.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
  const closed = new Promise<number>((resolve) => {
    ws.onclose = (e) => resolve(e.code);
  });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  const until = (op: WsServerMessage["op"], count = 1) =>
    eventually(() => expect(messages.filter((m) => m.op === op).length).toBeGreaterThanOrEqual(count));
  const send = (message: unknown) => ws.send(JSON.stringify(message));
  return { ws, messages, closed, until, send };
}

const live = (messages: WsServerMessage[]) =>
  messages.filter((m): m is Extract<WsServerMessage, { op: "event" }> => m.op === "event" && !m.snapshot);

describe("ws hub on Bun's own WebSocket server", () => {
  it("resumes a reconnecting client with every missed order and fill exactly once", async () => {
    const first = await client();
    first.send({ op: "auth", token: "alice:t1" });
    await first.until("authed");
    first.send({ op: "subscribe", channels: ["orders", "fills"] });
    await first.until("subscribed");
    await fixture.publishOrder(orderFor("acc-a"));
    await eventually(() => expect(live(first.messages)).toHaveLength(1));
    const stream = (first.messages.find((m) => m.op === "authed") as { stream: string }).stream;
    const seq = live(first.messages).at(-1)?.userSeq as number;
    first.ws.close();
    await first.closed;
    await eventually(() => expect(fixture.hub.size).toBe(0));

    const missed = [orderFor("acc-a"), fillFor("acc-a"), orderFor("acc-a"), fillFor("acc-a"), orderFor("acc-a")];
    for (const item of missed) await ("orderId" in item ? fixture.publishFill(item) : fixture.publishOrder(item));
    await settle();

    const second = await client();
    second.send({ op: "auth", token: "alice:t1" });
    await second.until("authed");
    second.send({ op: "subscribe", channels: ["orders", "fills"], resumeFrom: { stream, seq } });
    await second.until("subscribed");
    expect(second.messages.find((m) => m.op === "subscribed")).toMatchObject({ resumed: true });
    expect(live(second.messages).map((e) => e.data)).toEqual(missed);
    expect(live(second.messages).map((e) => e.userSeq)).toEqual(missed.map((_, i) => seq + i + 1));
    second.ws.close();
  });

  it("fans ticks out through Bun's topic publish: every socket gets each one once, in order, after its snapshot", async () => {
    fixture.state.prices.push(tickOf("ETH-KRW", "1"));
    const sockets = await Promise.all(
      ["alice:p1", "alice:p2", "bob:p1"].map(async (token) => {
        const socket = await client();
        socket.send({ op: "auth", token });
        await socket.until("authed");
        socket.send({ op: "subscribe", channels: ["ticker:ETH-KRW", "orders"] });
        await socket.until("subscribed");
        return socket;
      }),
    );
    const ticks = Array.from({ length: 50 }, (_, i) => tickOf("ETH-KRW", String(i + 2)));
    const order = orderFor("acc-a");
    for (const [i, tick] of ticks.entries()) {
      await fixture.publishTick(tick);
      if (i === 25) await fixture.publishOrder(order);
    }
    for (const socket of sockets) {
      await eventually(() =>
        expect(live(socket.messages).filter((e) => e.channel === "ticker:ETH-KRW")).toHaveLength(50),
      );
      const events = socket.messages.filter(
        (m): m is Extract<WsServerMessage, { op: "event" }> => m.op === "event" && m.channel === "ticker:ETH-KRW",
      );
      const base = events[0]?.seq as number;
      expect(events[0]?.snapshot).toBe(true);
      expect(events.slice(1).map((e) => e.seq)).toEqual(ticks.map((_, i) => base + i + 1));
      expect(events.slice(1).map((e) => e.data)).toEqual(ticks);
    }
    // The order reached alice's two sockets, between the same ticks, and not bob's.
    const orderAt = (messages: WsServerMessage[]) =>
      messages.findIndex((m) => m.op === "event" && m.channel === "orders" && !m.snapshot);
    for (const socket of sockets.slice(0, 2)) {
      const at = orderAt(socket.messages);
      expect(socket.messages[at]).toMatchObject({ data: order, seq: expect.any(Number) });
      expect(socket.messages[at - 1]).toMatchObject({ data: ticks[25] });
    }
    expect(orderAt(sockets[2]?.messages ?? [])).toBe(-1);
    for (const socket of sockets) socket.ws.close();
    await eventually(() => expect(fixture.hub.size).toBe(0));
  });

  it("closes an open socket with 4401 when its token is revoked", async () => {
    const socket = await client();
    socket.send({ op: "auth", token: "alice:gone" });
    await socket.until("authed");
    expect(fixture.hub.revokeToken("gone")).toBe(1);
    expect(await socket.closed).toBe(4401);
  });
});
