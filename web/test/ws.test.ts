import { describe, expect, test } from "bun:test";
import type { WsClientMessage, WsServerMessage } from "@jts/contracts";

const { useDom } = await import("./dom.ts");
useDom();

/** A socket the test plays the gateway for: it records what the client sends and delivers what the test says. */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  sent: WsClientMessage[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
    queueMicrotask(() => {
      this.readyState = FakeSocket.OPEN;
      this.onopen?.();
    });
  }
  send(raw: string) {
    this.sent.push(JSON.parse(raw));
  }
  close(code = 1000) {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code });
  }
  deliver(message: WsServerMessage) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

// useDom puts the real WebSocket back after this file.
globalThis.WebSocket = FakeSocket as unknown as typeof WebSocket;

const { createLiveConnection } = await import("../src/lib/ws.ts");
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const waitFor = async (check: () => boolean, ms = 3_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe("live connection", () => {
  test("authenticates first, then subscribes; after a drop it reconnects and resumes the private channels", async () => {
    FakeSocket.all = [];
    const live = createLiveConnection({ getToken: () => "token-1", url: "ws://gateway/ws" });
    const received: unknown[] = [];
    live.subscribe("orders", (data) => received.push(data));
    live.subscribe("ticker:BTC-KRW", () => {});
    await tick();
    const first = FakeSocket.all[0] as FakeSocket;
    expect(first.sent[0]).toEqual({ op: "auth", token: "token-1" });
    expect(live.state()).toBe("connecting");

    first.deliver({ op: "authed", user: "admin", stream: "s1" });
    expect(live.state()).toBe("live");
    const subscribed = first.sent.slice(1).flatMap((m) => (m.op === "subscribe" ? m.channels : []));
    expect(subscribed.sort()).toEqual(["orders", "ticker:BTC-KRW"]);
    first.deliver({ op: "subscribed", channels: ["orders", "ticker:BTC-KRW"], resumed: false, userSeq: 3 });
    const epochAfterSnapshot = live.epoch();
    first.deliver({ op: "event", channel: "orders", seq: 1, userSeq: 7, data: { id: "o-1" } });
    expect(received).toEqual([{ id: "o-1" }]);

    first.close(1006);
    expect(live.state()).toBe("reconnecting");
    await waitFor(() => FakeSocket.all.length === 2);
    const second = FakeSocket.all[1] as FakeSocket;
    await tick();
    expect(second.sent[0]).toEqual({ op: "auth", token: "token-1" });
    second.deliver({ op: "authed", user: "admin", stream: "s1" });
    const resume = second.sent.find((m) => m.op === "subscribe" && m.resumeFrom);
    expect(resume).toEqual({ op: "subscribe", channels: ["orders"], resumeFrom: { stream: "s1", seq: 7 } });
    const fresh = second.sent.find((m) => m.op === "subscribe" && !m.resumeFrom);
    expect(fresh).toEqual({ op: "subscribe", channels: ["ticker:BTC-KRW"] });
    second.deliver({ op: "subscribed", channels: ["orders"], resumed: true, userSeq: 9 });
    expect(live.epoch()).toBe(epochAfterSnapshot); // replayed, nothing to refetch
    live.close();
    expect(live.state()).toBe("offline");
  });

  test("a new gateway stream cannot resume: everything is subscribed afresh and views refetch", async () => {
    FakeSocket.all = [];
    const live = createLiveConnection({ getToken: () => "t", url: "ws://gateway/ws" });
    live.subscribe("fills", () => {});
    await tick();
    const first = FakeSocket.all[0] as FakeSocket;
    first.deliver({ op: "authed", user: "admin", stream: "s1" });
    first.deliver({ op: "subscribed", channels: ["fills"], resumed: false, userSeq: 4 });
    first.close(1006);
    await waitFor(() => FakeSocket.all.length === 2);
    const second = FakeSocket.all[1] as FakeSocket;
    await tick();
    second.deliver({ op: "authed", user: "admin", stream: "s2-after-restart" });
    expect(second.sent.filter((m) => m.op === "subscribe")).toEqual([{ op: "subscribe", channels: ["fills"] }]);
    const before = live.epoch();
    second.deliver({ op: "subscribed", channels: ["fills"], resumed: false, userSeq: 0 });
    expect(live.epoch()).toBe(before + 1);
    live.close();
  });

  test("a private channel's seq gap tells the views to refetch and spoils the resume; a public jump is conflation", async () => {
    FakeSocket.all = [];
    const live = createLiveConnection({ getToken: () => "t", url: "ws://gateway/ws" });
    live.subscribe("ticker:BTC-KRW", () => {});
    live.subscribe("orders", () => {});
    await tick();
    const first = FakeSocket.all[0] as FakeSocket;
    first.deliver({ op: "authed", user: "admin", stream: "s1" });
    first.deliver({ op: "event", channel: "ticker:BTC-KRW", seq: 4, snapshot: true, data: {} });
    first.deliver({ op: "event", channel: "orders", seq: 2, snapshot: true, data: {} });
    first.deliver({ op: "event", channel: "orders", seq: 2, snapshot: true, data: {} });
    first.deliver({ op: "subscribed", channels: ["orders"], resumed: false, userSeq: 5 });
    const before = live.epoch();
    // Numbers are per channel: each goes on from its own snapshot.
    first.deliver({ op: "event", channel: "ticker:BTC-KRW", seq: 5, data: {} });
    first.deliver({ op: "event", channel: "orders", seq: 3, userSeq: 6, data: {} });
    // A ticker jumping ahead was conflated for a backed-up socket: nothing lost that a view needs.
    first.deliver({ op: "event", channel: "ticker:BTC-KRW", seq: 9, data: {} });
    expect(live.epoch()).toBe(before);
    // Going back on a public channel is not conflation.
    first.deliver({ op: "event", channel: "ticker:BTC-KRW", seq: 8, data: {} });
    expect(live.epoch()).toBe(before + 1);
    // A private channel skipping a number lost an event: refetch, and do not resume from this cursor.
    first.deliver({ op: "event", channel: "orders", seq: 5, userSeq: 8, data: {} });
    expect(live.epoch()).toBe(before + 2);
    first.close(1006);
    await waitFor(() => FakeSocket.all.length === 2);
    const second = FakeSocket.all[1] as FakeSocket;
    await tick();
    second.deliver({ op: "authed", user: "admin", stream: "s1" });
    expect(second.sent.filter((m) => m.op === "subscribe" && m.resumeFrom)).toEqual([]);
    live.close();
  });

  test("a resumed channel's replay goes on from the seq it had; a fresh subscribe starts from its snapshot", async () => {
    FakeSocket.all = [];
    const live = createLiveConnection({ getToken: () => "t", url: "ws://gateway/ws" });
    live.subscribe("fills", () => {});
    live.subscribe("ticker:BTC-KRW", () => {});
    await tick();
    const first = FakeSocket.all[0] as FakeSocket;
    first.deliver({ op: "authed", user: "admin", stream: "s1" });
    first.deliver({ op: "subscribed", channels: ["fills"], resumed: false, userSeq: 0 });
    first.deliver({ op: "event", channel: "fills", seq: 1, userSeq: 1, data: {} });
    first.deliver({ op: "event", channel: "ticker:BTC-KRW", seq: 40, data: {} });
    first.close(1006);
    await waitFor(() => FakeSocket.all.length === 2);
    const second = FakeSocket.all[1] as FakeSocket;
    await tick();
    second.deliver({ op: "authed", user: "admin", stream: "s1" });
    expect(second.sent.find((m) => m.op === "subscribe" && m.resumeFrom)).toMatchObject({ channels: ["fills"] });
    const before = live.epoch();
    second.deliver({ op: "event", channel: "fills", seq: 2, userSeq: 3, data: {} });
    second.deliver({ op: "event", channel: "fills", seq: 3, userSeq: 4, data: {} });
    second.deliver({ op: "subscribed", channels: ["fills"], resumed: true, userSeq: 4 });
    // The gateway forgot the ticker channel meanwhile and numbers it from 1 again, behind a snapshot.
    second.deliver({ op: "event", channel: "ticker:BTC-KRW", seq: 0, snapshot: true, data: {} });
    second.deliver({ op: "event", channel: "ticker:BTC-KRW", seq: 1, data: {} });
    expect(live.epoch()).toBe(before);
    // A replay that skipped one is caught.
    second.deliver({ op: "event", channel: "fills", seq: 5, userSeq: 6, data: {} });
    expect(live.epoch()).toBe(before + 1);
    live.close();
  });

  test("private channels never share a subscribe message with public ones, so one bad public name cannot cost them", async () => {
    FakeSocket.all = [];
    const live = createLiveConnection({ getToken: () => "t", url: "ws://gateway/ws" });
    live.subscribe("orders", () => {});
    live.subscribe("alerts", () => {});
    live.subscribe("candles::1m", () => {}); // what a chart with no symbol yet used to ask for
    await tick();
    const socket = FakeSocket.all[0] as FakeSocket;
    socket.deliver({ op: "authed", user: "admin", stream: "s1" });
    const subscribes = socket.sent
      .filter((m) => m.op === "subscribe")
      .map((m) => (m.op === "subscribe" ? m.channels : []));
    expect(subscribes).toEqual([["orders", "alerts"], ["candles::1m"]]);
    live.close();
  });

  test("while the browser reports offline it keeps probing every few seconds, and a probe that authenticates goes live", async () => {
    FakeSocket.all = [];
    const onLine = Object.getOwnPropertyDescriptor(navigator, "onLine");
    Object.defineProperty(navigator, "onLine", { configurable: true, get: () => false });
    try {
      const live = createLiveConnection({ getToken: () => "t", url: "ws://gateway/ws", offlineProbeMs: 50 });
      live.subscribe("orders", () => {});
      await tick();
      const first = FakeSocket.all[0] as FakeSocket;
      first.deliver({ op: "authed", user: "admin", stream: "s1" });
      first.close(1006);
      expect(live.state()).toBe("offline");
      // No `online` event ever comes (a loopback-only network namespace): probes go on regardless.
      await waitFor(() => FakeSocket.all.length === 2);
      (FakeSocket.all[1] as FakeSocket).close(1006); // a probe that fails: the next one follows
      expect(live.state()).toBe("offline");
      await waitFor(() => FakeSocket.all.length === 3);
      const probe = FakeSocket.all[2] as FakeSocket;
      await tick();
      expect(live.state()).toBe("offline"); // still offline until a probe is authenticated
      expect(probe.sent[0]).toEqual({ op: "auth", token: "t" });
      probe.deliver({ op: "authed", user: "admin", stream: "s1" });
      expect(live.state()).toBe("live");
      live.close();
      const sockets = FakeSocket.all.length;
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(FakeSocket.all.length).toBe(sockets); // closed: no more probes
    } finally {
      if (onLine) Object.defineProperty(navigator, "onLine", onLine);
      else delete (navigator as { onLine?: boolean }).onLine;
    }
  });
});
