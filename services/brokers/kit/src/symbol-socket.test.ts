import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { eventually } from "@jts/kit/testing";
import { SubscriptionLimitError, SymbolSocket } from "./symbol-socket.ts";
import { FakeVenue } from "./testing/fake-venue.ts";

describe("SymbolSocket against a fake venue", () => {
  let venue: FakeVenue;
  let socket: SymbolSocket;
  let received: string[];

  beforeEach(() => {
    received = [];
    venue = new FakeVenue({ sockets: [{ path: "/ws", onMessage: (_ws, text) => void received.push(text) }] }).start();
    socket = new SymbolSocket({
      name: "test",
      url: `${venue.wsUrl}/ws`,
      maxSymbols: 2,
      limitMessage: (symbol, count) => `${symbol} would be number ${count}`,
      frame: (symbol, subscribe) => `${subscribe ? "sub" : "unsub"}:${symbol}`,
      onMessage: () => {},
      backoff: { initialMs: 20, maxMs: 100 },
    });
  });
  afterEach(async () => {
    socket.stop();
    await venue.stop();
  });

  it("subscribes what was added before the connection, then each new symbol once", async () => {
    socket.subscribe("A");
    socket.start();
    await eventually(() => expect(received).toEqual(["sub:A"]));
    socket.subscribe("B");
    socket.subscribe("B");
    socket.unsubscribe("A");
    socket.unsubscribe("A");
    await eventually(() => expect(received).toEqual(["sub:A", "sub:B", "unsub:A"]));
    expect(socket.subscribed).toBe(1);
  });

  it("refuses a subscription past the cap before sending it", async () => {
    socket.start();
    await eventually(() => expect(socket.connected).toBe(true));
    socket.subscribe("A");
    socket.subscribe("B");
    expect(() => socket.subscribe("C")).toThrow(new SubscriptionLimitError("C would be number 3"));
    // A symbol the venue refused is forgotten without a frame, and frees its place.
    socket.forget("B");
    socket.subscribe("C");
    await eventually(() => expect(received).toEqual(["sub:A", "sub:B", "sub:C"]));
  });

  it("subscribes the whole set again after the connection drops", async () => {
    socket.subscribe("A");
    socket.subscribe("B");
    socket.start();
    await eventually(() => expect(received).toEqual(["sub:A", "sub:B"]));
    socket.reconnect();
    await eventually(() => expect(received).toEqual(["sub:A", "sub:B", "sub:A", "sub:B"]));
    expect(socket.reconnects).toBeGreaterThanOrEqual(1);
  });
});
