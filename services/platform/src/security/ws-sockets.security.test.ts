/**
 * Attacker review of issue 14, finding 3: the channel cap was per socket only
 * (one user held 25 sockets and 5000 channels; 200 anonymous sockets stayed
 * open), and the PWA proxy queued any number of messages sent before its
 * gateway socket opened. Now: WS_MAX_SOCKETS_PER_USER authenticated sockets per
 * user and WS_MAX_UNAUTHENTICATED_PER_ADDRESS waiting ones per client address
 * (extras closed with 1013), and the proxy's queue is bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { eventually } from "@jts/kit/testing";
import { bootEdgePlatform, type EdgePlatform, openSocket, type TestSocket } from "./harness.ts";

const PER_USER = 3;
const PER_ADDRESS = 5;
let p: EdgePlatform;
beforeAll(async () => {
  p = await bootEdgePlatform({
    WS_MAX_SOCKETS_PER_USER: String(PER_USER),
    WS_MAX_UNAUTHENTICATED_PER_ADDRESS: String(PER_ADDRESS),
  });
}, 60_000);
afterAll(() => p.stop());

const authedOrClosed = async (ws: TestSocket) =>
  Promise.race([
    eventually(() => {
      expect(ws.messages.some((m) => m.op === "authed")).toBe(true);
      return "authed" as const;
    }),
    ws.closed.then((c) => c.code),
  ]);

describe("WebSocket sockets per user and per address (attacker review 3)", () => {
  it(`closes a user's socket past ${PER_USER} with 1013, at the gateway and through the proxy, and takes one again once a socket closes`, async () => {
    const password = await p.createUser("many-sockets", "trader");
    const { accessToken } = await p.login("many-sockets", password);
    const open: TestSocket[] = [];
    for (let i = 0; i < PER_USER; i++) {
      const ws = await openSocket(i % 2 ? p.web : p.api);
      ws.send({ op: "auth", token: accessToken });
      expect(await authedOrClosed(ws)).toBe("authed");
      open.push(ws);
    }
    for (const base of [p.api, p.web]) {
      const extra = await openSocket(base);
      extra.send({ op: "auth", token: accessToken });
      const closed = await extra.closed;
      expect(closed.code).toBe(1013);
      expect(closed.reason).toContain(`at most ${PER_USER} sockets per user`);
    }
    // Another user is not affected.
    const admin = await openSocket(p.api);
    admin.send({ op: "auth", token: p.admin.accessToken });
    expect(await authedOrClosed(admin)).toBe("authed");
    admin.socket.close();
    // A closed socket frees its place.
    open.pop()?.socket.close();
    await eventually(async () => {
      const again = await openSocket(p.api);
      again.send({ op: "auth", token: accessToken });
      expect(await authedOrClosed(again)).toBe("authed");
      open.push(again);
    });
    for (const ws of open) ws.socket.close();
  }, 60_000);

  it(`closes unauthenticated sockets from one address past ${PER_ADDRESS} with 1013; other addresses and authenticating free a place`, async () => {
    // Clients as the PWA proxy (a trusted loopback peer) reports them.
    const from = (address: string) => openSocket(p.api, { "x-forwarded-for": address });
    const waiting: TestSocket[] = [];
    for (let i = 0; i < PER_ADDRESS; i++) waiting.push(await from("203.0.113.9"));
    const extra = await from("203.0.113.9");
    const closed = await extra.closed;
    expect(closed.code).toBe(1013);
    expect(closed.reason).toContain("unauthenticated sockets per address");
    // Another client address is not affected.
    const other = await from("203.0.113.10");
    other.send({ op: "auth", token: p.admin.accessToken });
    expect(await authedOrClosed(other)).toBe("authed");
    // One of the waiting sockets authenticates: its address may open a new one.
    waiting[0]?.send({ op: "auth", token: p.admin.accessToken });
    expect(await authedOrClosed(waiting[0] as TestSocket)).toBe("authed");
    const next = await from("203.0.113.9");
    next.send({ op: "auth", token: p.admin.accessToken });
    expect(await authedOrClosed(next)).toBe("authed");
    for (const ws of [...waiting, other, next]) ws.socket.close();
  }, 60_000);

  it("the proxy closes a socket that queues too many messages before the gateway socket opens (1013)", async () => {
    const ws = await openSocket(p.web);
    // Sent in one burst on open, before the proxy's own socket to the gateway can have opened.
    for (let i = 0; i < 64; i++) ws.send({ op: "ping" });
    expect((await ws.closed).code).toBe(1013);
  }, 60_000);
});
