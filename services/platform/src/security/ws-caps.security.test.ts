/**
 * Issue 14, item 11: a socket took 50,000 channels, an unauthenticated 8 MiB
 * frame was parsed, and a user's account list was read once at authentication.
 * Now: at most WS_MAX_CHANNELS per socket, frames capped (WS_MAX_FRAME_BYTES, and
 * WS_PREAUTH_FRAME_BYTES before authentication: 1009), and connected users'
 * accounts re-read on a timer and on account events.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { WsServerMessage } from "@jts/contracts";
import { eventually } from "@jts/kit/testing";
import { bootEdgePlatform, type EdgePlatform, openSocket, request, type TestSocket } from "./harness.ts";

let p: EdgePlatform;
beforeAll(async () => {
  p = await bootEdgePlatform({ WS_ACCOUNTS_REFRESH_MS: "200", SIM_INTERVAL_MS: "50" });
}, 60_000);
afterAll(() => p.stop());

async function authed(base: string, token: string): Promise<TestSocket> {
  const ws = await openSocket(base);
  ws.send({ op: "auth", token });
  await eventually(() => expect(ws.messages.some((m) => m.op === "authed")).toBe(true));
  return ws;
}

const channels = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `ticker:SYM-${String(from + i).padStart(5, "0")}`);

const lastOf = (ws: TestSocket, op: WsServerMessage["op"]) => ws.messages.filter((m) => m.op === op).at(-1);

describe("WebSocket caps (issue 14 #11)", () => {
  it("closes a socket that sends a big frame before authenticating (1009), at the gateway and through the proxy", async () => {
    for (const base of [p.api, p.web]) {
      const ws = await openSocket(base);
      ws.send({ op: "auth", token: "x".repeat(8 * 1024) });
      expect((await ws.closed).code).toBe(1009);
    }
  }, 60_000);

  it("closes a socket that sends an 8 MiB frame, without reading it", async () => {
    for (const base of [p.api, p.web]) {
      const ws = await openSocket(base);
      ws.send(`{"op":"ping","pad":"${"x".repeat(8 * 1024 * 1024)}"}`);
      expect((await ws.closed).code).toBe(1009);
    }
  }, 60_000);

  it("still takes a normal auth message through the proxy", async () => {
    const ws = await authed(p.web, p.admin.accessToken);
    ws.send({ op: "ping" });
    await eventually(() => expect(ws.messages.some((m) => m.op === "pong")).toBe(true));
    ws.socket.close();
  }, 60_000);

  it("refuses subscriptions past WS_MAX_CHANNELS (200) per socket, and takes more once some are dropped", async () => {
    const ws = await authed(p.api, p.admin.accessToken);
    ws.send({ op: "subscribe", channels: channels(0, 100) });
    ws.send({ op: "subscribe", channels: channels(100, 100) });
    await eventually(() => expect(ws.messages.filter((m) => m.op === "subscribed")).toHaveLength(2));
    ws.send({ op: "subscribe", channels: channels(200, 1) });
    await eventually(() => expect(lastOf(ws, "error")).toBeDefined());
    const refused = lastOf(ws, "error") as Extract<WsServerMessage, { op: "error" }>;
    expect(refused.code).toBe("VALIDATION");
    expect(refused.message).toContain("at most 200 channels");
    // Re-subscribing to held channels does not count twice; dropping some makes room.
    ws.send({ op: "unsubscribe", channels: channels(0, 10) });
    ws.send({ op: "subscribe", channels: [...channels(10, 5), ...channels(200, 10)] });
    await eventually(() => expect(ws.messages.filter((m) => m.op === "subscribed")).toHaveLength(3));
    ws.socket.close();
  }, 60_000);

  it("re-reads a user's accounts while their socket is open: an account they gain shows up on it", async () => {
    const password = await p.createUser("ws-owner", "trader");
    const { accessToken } = await p.login("ws-owner", password);
    const ws = await authed(p.api, accessToken);
    ws.send({ op: "subscribe", channels: ["orders"] });
    await eventually(() => expect(ws.messages.some((m) => m.op === "subscribed")).toBe(true));

    // The operator gives the trader an account (as a row in the accounts table would).
    const portfolio = p.platform.services["portfolio-tracker"];
    await portfolio.portfolio.repository.seed([
      { id: "ws-owner-acct", owner: "ws-owner", venue: "sim", baseCurrency: "KRW", startingCash: "100000000" },
    ]);
    await Bun.sleep(600); // three re-read rounds

    const placed = await request(`${p.api}/api/orders`, {
      headers: { authorization: `Bearer ${accessToken}` },
      body: { clientOrderId: "ws-owner-1", symbol: "BTC-KRW", side: "BUY", type: "MARKET", quantity: "0.001" },
    });
    expect(placed.status).toBeLessThan(300);
    const orderEvents = () =>
      ws.messages.filter(
        (m) =>
          m.op === "event" && m.channel === "orders" && (m.data as { account?: string }).account === "ws-owner-acct",
      );
    await eventually(() => expect(orderEvents().length).toBeGreaterThan(0));
    ws.socket.close();
  }, 60_000);
});
