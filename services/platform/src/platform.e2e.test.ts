import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type Order, type Position, utcMidnight, type WsServerMessage } from "@jts/contracts";
import { loadConfig } from "@jts/kit";
import { eventually, orderFixture, readJson, silentLogger } from "@jts/kit/testing";
import { bootPlatform, type Platform } from "./boot.ts";
import { platformConfigSpec } from "./config.ts";

const config = loadConfig(platformConfigSpec, {
  JTS_ENV: "test",
  SIM_INTERVAL_MS: "20",
  STRATEGIES: "off",
  JTS_ADMIN_PASSWORD: "e2e-password-123",
  // In-process and fast; the embedded engines are covered by main.smoke.test.ts.
  JTS_STORAGE: "memory",
});

let platform: Platform;
let api: string;
let token: string;

const call = (path: string, init: RequestInit & { auth?: boolean } = {}) =>
  fetch(`${api}${path}`, {
    ...init,
    headers: {
      "content-type": "application/json",
      ...(init.auth === false ? {} : { authorization: `Bearer ${token}` }),
      ...init.headers,
    },
  });

const order = (clientOrderId: string, overrides: Record<string, unknown> = {}) =>
  call("/api/orders", {
    method: "POST",
    body: JSON.stringify({
      clientOrderId,
      symbol: "BTC-KRW",
      side: "BUY",
      type: "MARKET",
      quantity: "0.001",
      ...overrides,
    }),
  });

/** A logged-in socket that records every message. */
async function openSocket(channels: string[]) {
  const messages: WsServerMessage[] = [];
  const socket = new WebSocket(`${api.replace("http", "ws")}/ws`);
  socket.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  socket.send(JSON.stringify({ op: "auth", token }));
  await eventually(() => expect(messages.some((m) => m.op === "authed")).toBe(true));
  socket.send(JSON.stringify({ op: "subscribe", channels }));
  return { socket, messages };
}

const events = (messages: WsServerMessage[], channel: string) =>
  messages
    .filter((m): m is Extract<WsServerMessage, { op: "event" }> => m.op === "event" && m.channel === channel)
    .map((m) => m.data);

beforeAll(async () => {
  platform = await bootPlatform(config, { ephemeralPorts: true, logger: silentLogger });
  api = platform.urls["api-gateway"] as string;
  const login = await call("/api/auth/login", {
    method: "POST",
    auth: false,
    body: JSON.stringify({ username: "admin", password: "e2e-password-123" }),
  });
  expect(login.status).toBe(200);
  token = (await readJson(login)).accessToken;
});

afterAll(async () => {
  await platform?.stop();
});

describe("the platform end to end", () => {
  it("answers /health with 200 on every service", async () => {
    expect(Object.keys(platform.urls).length).toBeGreaterThanOrEqual(9);
    for (const [name, url] of Object.entries(platform.urls)) {
      const res = await fetch(`${url}/health`);
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
    }
  });

  it("streams ticks, fills a MARKET order on the socket and shows the position", async () => {
    const { socket, messages } = await openSocket(["ticker:BTC-KRW", "orders", "fills", "positions"]);
    await eventually(() => expect(events(messages, "ticker:BTC-KRW").length).toBeGreaterThan(3));

    const res = await order("e2e-market-1");
    expect(res.status).toBe(201);
    const created = (await readJson(res)) as Order;
    expect(created).toMatchObject({ clientOrderId: "e2e-market-1", symbol: "BTC-KRW", account: "paper-main" });

    await eventually(() => {
      const updates = events(messages, "orders") as Order[];
      expect(updates.some((o) => o.id === created.id && o.status === "FILLED")).toBe(true);
      expect((events(messages, "fills") as Array<{ orderId: string }>).some((f) => f.orderId === created.id)).toBe(
        true,
      );
    });
    // Each channel numbers its own events (contracts/src/ws.ts): no gap and no repeat on any.
    for (const channel of ["ticker:BTC-KRW", "orders", "fills", "positions"]) {
      const seqs = messages
        .filter((m) => m.op === "event" && m.channel === channel && !m.snapshot)
        .map((m) => (m as { seq: number }).seq);
      expect({ channel, seqs }).toEqual({ channel, seqs: seqs.map((_, i) => (seqs[0] ?? 0) + i) });
    }

    const orders = (await readJson(await call("/api/orders"))) as Order[];
    expect(orders.find((o) => o.id === created.id)?.status).toBe("FILLED");
    const positions = (await readJson(await call("/api/positions"))) as Position[];
    expect(positions.find((p) => p.symbol === "BTC-KRW")).toMatchObject({ account: "paper-main", quantity: "0.001" });
    socket.close();
  });

  it("serves 1m candle history built from the ticks", async () => {
    await eventually(async () => {
      const res = await call("/api/candles?symbol=BTC-KRW&interval=1m&limit=5");
      expect(res.status).toBe(200);
      const candles = (await readJson(res)) as Array<{ symbol: string; trades: number; interval: string }>;
      expect(candles.length).toBeGreaterThan(0);
      expect(candles.length).toBeLessThanOrEqual(5);
      expect(candles[0]).toMatchObject({ symbol: "BTC-KRW", interval: "1m" });
      expect(candles.reduce((n, c) => n + c.trades, 0)).toBeGreaterThan(0);
    });
    const bad = await call("/api/candles?symbol=BTC-KRW&interval=2m");
    expect(bad.status).toBe(422);
  });

  it("creates one order for a clientOrderId posted twice", async () => {
    const first = await order("e2e-idem-1");
    const second = await order("e2e-idem-1");
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect((await readJson(second)).id).toBe((await readJson(first)).id);
    const all = (await readJson(await call("/api/orders"))) as Order[];
    expect(all.filter((o) => o.clientOrderId === "e2e-idem-1")).toHaveLength(1);
  });

  it("answers 409 naming the existing order when a clientOrderId is reused for a different order", async () => {
    const first = await order("e2e-idem-2");
    expect(first.status).toBe(201);
    const id = (await readJson(first)).id;
    const reused = await order("e2e-idem-2", { quantity: "0.002" });
    expect(reused.status).toBe(409);
    const body = await readJson(reused);
    expect(body.error).toMatchObject({ code: "CONFLICT", details: { orderId: id, fields: ["quantity"] } });
    expect(body.error.message).toContain(id);
    const same = await order("e2e-idem-2");
    expect(same.status).toBe(200);
    expect((await readJson(same)).id).toBe(id);
  });

  it("rejects an order with the reason while trading is HALTED", async () => {
    const halt = await call("/api/risk/state", {
      method: "PUT",
      body: JSON.stringify({ state: "HALTED", reason: "e2e kill switch" }),
    });
    expect(halt.status).toBe(200);
    expect((await readJson(halt)).state).toBe("HALTED");
    const res = await order("e2e-halted-1");
    const refused = (await readJson(res)) as Order;
    expect(refused.status).toBe("REJECTED");
    expect(refused.rejectReason).toContain("HALTED");
    await eventually(async () => {
      const alerts = (await readJson(await call("/api/alerts"))) as Array<{ kind: string }>;
      expect(alerts.map((a) => a.kind)).toContain("ORDER_REJECTED");
    });
    const resume = await call("/api/risk/state", { method: "PUT", body: JSON.stringify({ state: "ACTIVE" }) });
    expect((await readJson(resume)).state).toBe("ACTIVE");
  });

  it("answers bad input with a clear 4xx in the error shape and keeps running", async () => {
    const malformed = await call("/api/orders", { method: "POST", body: "{not json" });
    expect(malformed.status).toBe(400);
    expect((await readJson(malformed)).error.code).toBe("BAD_REQUEST");

    const missingFields = await call("/api/orders", { method: "POST", body: JSON.stringify({ symbol: "BTC-KRW" }) });
    expect(missingFields.status).toBe(422);
    expect((await readJson(missingFields)).error).toMatchObject({ code: "VALIDATION" });

    const unknownSymbol = await order("e2e-bad-symbol", { symbol: "XRP-KRW" });
    expect(unknownSymbol.status).toBe(422);
    expect((await readJson(unknownSymbol)).error.message).toContain("unknown symbol XRP-KRW");

    const negative = await order("e2e-bad-qty", { quantity: "-1" });
    expect(negative.status).toBe(422);
    expect((await readJson(negative)).error.details[0].path).toBe("/quantity");

    const noToken = await call("/api/orders", { auth: false });
    expect(noToken.status).toBe(401);
    expect((await readJson(noToken)).error.code).toBe("UNAUTHORIZED");

    const badLogin = await call("/api/auth/login", {
      method: "POST",
      auth: false,
      body: JSON.stringify({ username: "admin", password: "wrong" }),
    });
    expect(badLogin.status).toBe(401);

    expect((await fetch(`${platform.urls["api-gateway"]}/health`)).status).toBe(200);
  });

  it("closes a socket that subscribes before authenticating", async () => {
    const socket = new WebSocket(`${api.replace("http", "ws")}/ws`);
    const closed = new Promise<number>((resolve) => {
      socket.onclose = (e) => resolve(e.code);
    });
    await new Promise((resolve) => {
      socket.onopen = resolve;
    });
    socket.send(JSON.stringify({ op: "subscribe", channels: ["orders"] }));
    expect(await closed).toBe(4401);
  });

  it("closes an open WebSocket with 4401 when its token is logged out", async () => {
    const fresh = await readJson(
      await call("/api/auth/login", {
        method: "POST",
        auth: false,
        body: JSON.stringify({ username: "admin", password: "e2e-password-123" }),
      }),
    );
    const socket = new WebSocket(`${api.replace("http", "ws")}/ws`);
    const messages: WsServerMessage[] = [];
    socket.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
    const closed = new Promise<number>((resolve) => {
      socket.onclose = (e) => resolve(e.code);
    });
    await new Promise((resolve) => {
      socket.onopen = resolve;
    });
    socket.send(JSON.stringify({ op: "auth", token: fresh.accessToken }));
    await eventually(() => expect(messages.some((m) => m.op === "authed")).toBe(true));
    const logout = await fetch(`${api}/api/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${fresh.accessToken}` },
    });
    expect(logout.status).toBe(200);
    expect(await closed).toBe(4401);
  });

  it("refuses a logged-out token and a reused refresh token", async () => {
    const login = await readJson(
      await call("/api/auth/login", {
        method: "POST",
        auth: false,
        body: JSON.stringify({ username: "admin", password: "e2e-password-123" }),
      }),
    );
    const refreshed = await call("/api/auth/refresh", {
      method: "POST",
      auth: false,
      body: JSON.stringify({ refreshToken: login.refreshToken }),
    });
    expect(refreshed.status).toBe(200);
    const pair = await readJson(refreshed);
    const reused = await call("/api/auth/refresh", {
      method: "POST",
      auth: false,
      body: JSON.stringify({ refreshToken: login.refreshToken }),
    });
    expect(reused.status).toBe(401);
    // Reuse revoked the whole family, the fresh refresh token included.
    const family = await call("/api/auth/refresh", {
      method: "POST",
      auth: false,
      body: JSON.stringify({ refreshToken: pair.refreshToken }),
    });
    expect(family.status).toBe(401);
    // ...and the access token issued in it (issue 14: a revoked family's tokens are denied at once).
    const revoked = await fetch(`${api}/api/positions`, { headers: { authorization: `Bearer ${pair.accessToken}` } });
    expect(revoked.status).toBe(401);

    const session = await readJson(
      await call("/api/auth/login", {
        method: "POST",
        auth: false,
        body: JSON.stringify({ username: "admin", password: "e2e-password-123" }),
      }),
    );
    const logout = await fetch(`${api}/api/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(logout.status).toBe(200);
    const after = await fetch(`${api}/api/positions`, { headers: { authorization: `Bearer ${session.accessToken}` } });
    expect(after.status).toBe(401);
  });
});

describe("the platform's trading sessions", () => {
  it("ends KRX DAY orders at 15:30 KST in the paper venue and the OMS, crypto ones at UTC midnight", async () => {
    const krx = await bootPlatform(
      loadConfig(platformConfigSpec, {
        JTS_ENV: "test",
        STRATEGIES: "off",
        JTS_ADMIN_PASSWORD: "e2e-password-123",
        JTS_STORAGE: "memory",
        RISK_SIM_SESSIONS: "krx",
        KRX_HOLIDAYS: "2026-11-26",
      }),
      { ephemeralPorts: true, logger: silentLogger },
    );
    try {
      const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
      const wednesdayEvening = ns("2026-11-25T08:00:00Z"); // 17:00 KST, after the close
      const fridayClose = ns("2026-11-27T06:30:00Z"); // Thursday is a holiday
      const paper = krx.services["broker-paper"];
      expect(paper.engine.sessionEnd("sim", wednesdayEvening, "005930")).toBe(fridayClose);
      expect(paper.engine.sessionEnd("sim", wednesdayEvening, "BTC-KRW")).toBe(utcMidnight("sim", wednesdayEvening));

      // A DAY stop the OMS holds expires at the same close.
      const oms = krx.services["order-execution"];
      const stop = orderFixture({
        id: "held-day-stop",
        symbol: "005930",
        venue: "sim",
        type: "STOP_MARKET",
        price: null,
        stopPrice: "80000",
        timeInForce: "DAY",
        status: "ACCEPTED",
        createdAt: String(wednesdayEvening),
      });
      oms.manager.stops.add(stop);
      expect(oms.manager.stops.expired(fridayClose - 1n)).toEqual([]);
      expect(oms.manager.stops.expired(fridayClose).map((o) => o.id)).toEqual([stop.id]);
    } finally {
      await krx.stop();
    }
  });
});
