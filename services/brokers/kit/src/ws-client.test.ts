import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { eventually } from "@jts/kit/testing";
import { FakeVenue } from "./testing/fake-venue.ts";
import { VenueSocket } from "./ws-client.ts";

describe("VenueSocket against a fake venue", () => {
  let venue: FakeVenue;
  let socket: VenueSocket | undefined;
  let frames: string[];

  beforeEach(() => {
    frames = [];
    venue = new FakeVenue({
      sockets: [{ path: "/ws", onMessage: (ws, text) => ws.send(`echo:${text}`) }],
    }).start();
  });
  afterEach(async () => {
    socket?.stop();
    await venue.stop();
  });

  const open = (extra: Partial<ConstructorParameters<typeof VenueSocket>[0]> = {}) => {
    socket = new VenueSocket({
      name: "test",
      url: `${venue.wsUrl}/ws`,
      onOpen: (send) => send("subscribe"),
      onMessage: (data) => frames.push(data),
      backoff: { initialMs: 20, maxMs: 100 },
      ...extra,
    });
    socket.start();
    return socket;
  };

  it("subscribes on open and delivers frames", async () => {
    open();
    await eventually(() => expect(frames).toContain("echo:subscribe"));
    venue.broadcast("hello");
    await eventually(() => expect(frames).toContain("hello"));
  });

  it("drops the session on reconnect() and comes back with a fresh URL and subscription", async () => {
    let connection = 0;
    const s = open({ url: () => `${venue.wsUrl}/ws?session=${++connection}` });
    await eventually(() => expect(frames).toEqual(["echo:subscribe"]));
    s.reconnect();
    await eventually(() => expect(frames).toEqual(["echo:subscribe", "echo:subscribe"]));
    expect([...venue.sockets].map((ws) => ws.data.query.get("session"))).toEqual(["2"]);
    expect(s.stats.connects).toBe(2);
  });

  it("reconnects after a dropped socket and subscribes again", async () => {
    const s = open();
    await eventually(() => expect(frames).toEqual(["echo:subscribe"]));
    venue.dropSockets();
    await eventually(() => expect(frames).toEqual(["echo:subscribe", "echo:subscribe"]));
    expect(s.stats.connects).toBe(2);
    venue.broadcast("after");
    await eventually(() => expect(frames).toContain("after"));
  });

  it("keeps trying with backoff while the venue is down", async () => {
    const url = `${venue.wsUrl}/ws`;
    await venue.stop();
    const s = open({ url });
    await Bun.sleep(300);
    expect(s.connected).toBe(false);
    expect(s.stats.reconnects).toBeGreaterThanOrEqual(2);
  });

  it("answers the venue's protocol pings with pongs", async () => {
    const s = open();
    await s.waitConnected();
    venue.pingSockets();
    await eventually(() => expect(venue.counts.pongs).toBe(1));
  });

  it("sends application heartbeats and reconnects a silent link", async () => {
    const quiet = new FakeVenue({ sockets: [{ path: "/ws" }] }).start();
    try {
      const s = open({ url: `${quiet.wsUrl}/ws`, heartbeat: { everyMs: 50, message: "PING" }, staleAfterMs: 200 });
      await eventually(() => expect(quiet.counts.socketMessages).toBeGreaterThanOrEqual(3));
      await eventually(() => expect(s.stats.connects).toBeGreaterThanOrEqual(2), 2_000);
    } finally {
      socket?.stop();
      await quiet.stop();
    }
  });

  it("rotates to a fresh connection before closing the old one", async () => {
    const s = open({ rotateAfterMs: 150 });
    await s.waitConnected();
    await eventually(() => expect(s.stats.rotations).toBeGreaterThanOrEqual(1));
    expect(s.connected).toBe(true);
    await eventually(() => expect(venue.sockets.size).toBe(1));
    venue.broadcast("still here");
    await eventually(() => expect(frames).toContain("still here"));
  });

  it("survives a frame its handler cannot process", async () => {
    const s = open({
      onMessage: (data) => {
        if (data === "{bad") throw new SyntaxError("bad frame");
        frames.push(data);
      },
    });
    await s.waitConnected();
    venue.broadcast("{bad");
    venue.broadcast("good");
    await eventually(() => expect(frames).toContain("good"));
    expect(s.stats.handlerErrors).toBe(1);
  });
});
