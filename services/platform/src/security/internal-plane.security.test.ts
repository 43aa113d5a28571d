/**
 * Issue 14 item 1: the internal service ports take no unauthenticated commands.
 * Black-box: a booted platform (the `just dev` composition) is attacked over
 * HTTP exactly as the issue did; every attack must be refused and change
 * nothing, and the gateway stays the way in. A small boot of its own (the
 * suite's shared harness lives on another branch when this was written).
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Alert, Order, RiskStatus, StrategyStatus } from "@jts/contracts";
import { closeRuntime, listen, loadConfig, runtimeFromEnv, serviceAuthHeaders } from "@jts/kit";
import { connectNats } from "@jts/kit/nats";
import { eventually, serverUrl, silentLogger } from "@jts/kit/testing";
import { createRiskService } from "@jts/risk-management";
import { bootPlatform, type Platform } from "../boot.ts";
import { platformConfigSpec } from "../config.ts";

const ADMIN_PASSWORD = "internal-plane-admin-Pw-7Qx";
const EVIL = { origin: "https://evil.example", "content-type": "text/plain" };

let platform: Platform;
let urls: Record<string, string>;
let api: string;
let adminToken: string;

const svc = (name: string) => urls[name] as string;
const read = async <T>(url: string, headers: Record<string, string> = {}): Promise<T> => {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};
const gateway = (path: string, method = "GET", body?: unknown) =>
  fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
/** The status of `method url` with `body` (sent as is) and `headers`. */
const attack = async (method: string, url: string, headers: Record<string, string> = {}, body?: string) =>
  (await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) })).status;

beforeAll(async () => {
  const config = loadConfig(platformConfigSpec, {
    JTS_ENV: "test",
    JTS_STORAGE: "memory",
    SIM_INTERVAL_MS: "20",
    // Strategies defined but stopped: no order of theirs changes the OMS's list under the attacks.
    STRATEGIES: "off",
    JTS_ADMIN_PASSWORD: ADMIN_PASSWORD,
  });
  platform = await bootPlatform(config, { ephemeralPorts: true, logger: silentLogger });
  urls = platform.urls;
  api = svc("api-gateway");
  const login = await fetch(`${api}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
  });
  expect(login.status).toBe(200);
  adminToken = ((await login.json()) as { accessToken: string }).accessToken;
});

afterAll(async () => {
  await platform?.stop();
});

describe("internal service ports", () => {
  it("listen on loopback only", () => {
    for (const [name, url] of Object.entries(urls)) {
      if (name === "web") continue;
      expect(new URL(url).hostname).toBe("127.0.0.1");
    }
  });

  it("do not let anyone undo the admin's kill switch: PUT :risk/risk/state ACTIVE", async () => {
    expect((await gateway("/api/risk/state", "PUT", { state: "HALTED", reason: "admin pulled it" })).status).toBe(200);
    const risk = `${svc("risk-management")}/risk/state`;
    const undo = JSON.stringify({ state: "ACTIVE", changedBy: "admin" });
    expect(await attack("PUT", risk, { "content-type": "application/json" }, undo)).toBe(401);
    expect(await attack("PUT", risk, EVIL, undo)).toBe(403);
    expect(await attack("PUT", risk, { "content-type": "text/plain" }, undo)).toBe(415);
    expect(await attack("PUT", risk, { "content-type": "application/json", authorization: "Bearer guess" }, undo)).toBe(
      401,
    );
    expect((await read<RiskStatus>(`${svc("risk-management")}/risk`)).state).toBe("HALTED");
    expect((await gateway("/api/risk/state", "PUT", { state: "ACTIVE", reason: "resume" })).status).toBe(200);
  });

  it("do not let anyone raise the limits: PUT :risk/risk/limits", async () => {
    const url = `${svc("risk-management")}/risk/limits`;
    const before = await read(url);
    const raise = JSON.stringify({ limits: { maxOrderNotional: "999999999999" } });
    expect(await attack("PUT", url, { "content-type": "application/json" }, raise)).toBe(401);
    expect(await attack("PUT", url, EVIL, raise)).toBe(403);
    expect(await read(url)).toEqual(before);
  });

  it("do not place orders: POST :oms/orders", async () => {
    const url = `${svc("order-execution")}/orders`;
    const before = (await read<Order[]>(url)).length;
    const order = JSON.stringify({
      clientOrderId: "attack-1",
      symbol: "BTC-KRW",
      side: "BUY",
      type: "MARKET",
      quantity: "1",
    });
    expect(await attack("POST", url, { "content-type": "application/json" }, order)).toBe(401);
    expect(await attack("POST", url, EVIL, order)).toBe(403);
    expect(await attack("POST", `${url}/cancel-all`, { "content-type": "application/json" }, "{}")).toBe(401);
    await Bun.sleep(100);
    expect((await read<Order[]>(url)).filter((o) => o.clientOrderId === "attack-1")).toEqual([]);
    expect((await read<Order[]>(url)).length).toBe(before);
  });

  it("do not start or stop strategies, with text/plain from a foreign origin or without", async () => {
    const base = `${svc("strategy-engine")}/strategies`;
    const running = async () =>
      Object.fromEntries((await read<StrategyStatus[]>(base)).map((s) => [s.config.id, s.running]));
    const before = await running();
    const id = Object.keys(before)[0] as string;
    expect(before[id]).toBe(false);
    expect(await attack("POST", `${base}/${id}/start`, EVIL, "x")).toBe(403);
    expect(await attack("POST", `${base}/${id}/start`, { "content-type": "text/plain" }, "x")).toBe(415);
    expect(await attack("POST", `${base}/${id}/start`)).toBe(401);
    expect(await running()).toEqual(before);
    // The gateway is the way in: the admin starts it there; a stop on the service port is refused.
    expect((await gateway(`/api/strategies/${id}/start`, "POST")).status).toBe(200);
    expect(await attack("POST", `${base}/${id}/stop`, EVIL, "x")).toBe(403);
    expect(await attack("POST", `${base}/${id}/stop`)).toBe(401);
    expect((await running())[id]).toBe(true);
    expect((await gateway(`/api/strategies/${id}/stop`, "POST")).status).toBe(200);
  });

  it("do not stop the feed: POST :sim/feed/stop with text/plain and a foreign Origin", async () => {
    const base = svc("broker-sim");
    expect(await attack("POST", `${base}/feed/stop`, EVIL, "stop")).toBe(403);
    expect(await attack("POST", `${base}/feed/stop`, { origin: "https://evil.example" })).toBe(403);
    expect(await attack("POST", `${base}/feed/stop`)).toBe(401);
    const published = (await read<{ running: boolean; published: number }>(`${base}/feed`)).published;
    expect((await read<{ running: boolean }>(`${base}/feed`)).running).toBe(true);
    await eventually(async () =>
      expect((await read<{ published: number }>(`${base}/feed`)).published).toBeGreaterThan(published),
    );
  });

  it("answer 421 to a rebinding Host, even for reads", async () => {
    for (const name of ["risk-management", "order-execution", "strategy-engine", "broker-sim", "portfolio-tracker"]) {
      const url = new URL(svc(name));
      // A DNS-rebinding page reaches 127.0.0.1 under its own name; raw HTTP, since fetch sets Host itself.
      const answer = await rawGet(Number(url.port), "/health", "attacker.example");
      expect(answer).toStartWith("HTTP/1.1 421");
    }
    expect(await rawGet(Number(new URL(svc("risk-management")).port), "/risk", "localhost")).toStartWith(
      "HTTP/1.1 200",
    );
  });

  it("keep the service credential's door working, so the refusals above are the guard and not a missing route", async () => {
    const base = svc("broker-sim");
    const stop = await fetch(`${base}/feed/stop`, { method: "POST", headers: serviceAuthHeaders() });
    expect(stop.status).toBe(200);
    expect((await read<{ running: boolean }>(`${base}/feed`)).running).toBe(false);
    expect((await fetch(`${base}/feed/start`, { method: "POST", headers: serviceAuthHeaders() })).status).toBe(200);
  });
});

describe("the audited actor", () => {
  it("is the authenticated user, never a changedBy in the body", async () => {
    const reason = `actor-check-${Date.now()}`;
    const res = await gateway("/api/risk/state", "PUT", { state: "REDUCING", reason, changedBy: "mallory" });
    expect(res.status).toBe(200);
    let alert: Alert | undefined;
    await eventually(async () => {
      const alerts = await (await gateway("/api/alerts")).json();
      alert = (alerts as Alert[]).find((a) => a.message.includes(reason));
      expect(alert).toBeDefined();
    });
    expect(alert?.message).toContain("by admin");
    expect(alert?.message).not.toContain("mallory");
    expect((await gateway("/api/risk/state", "PUT", { state: "ACTIVE", reason: "done" })).status).toBe(200);
  });

  it("on a service port, with the credential, is the caller, not the body's changedBy", async () => {
    const reason = `service-actor-${Date.now()}`;
    const res = await fetch(`${svc("risk-management")}/risk/state`, {
      method: "PUT",
      headers: { ...serviceAuthHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ state: "REDUCING", reason, changedBy: "mallory" }),
    });
    expect(res.status).toBe(200);
    let alert: Alert | undefined;
    await eventually(async () => {
      alert = ((await (await gateway("/api/alerts")).json()) as Alert[]).find((a) => a.message.includes(reason));
      expect(alert).toBeDefined();
    });
    expect(alert?.message).not.toContain("mallory");
    expect((await gateway("/api/risk/state", "PUT", { state: "ACTIVE", reason: "done" })).status).toBe(200);
  });
});

/** One GET over a raw socket with exactly this Host header; returns the response head. */
async function rawGet(port: number, path: string, host: string): Promise<string> {
  let received = "";
  const { promise, resolve } = Promise.withResolvers<string>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, chunk) {
        received += new TextDecoder().decode(chunk);
        if (received.includes("\r\n\r\n")) resolve(received);
      },
      close() {
        resolve(received);
      },
    },
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  const head = await promise;
  socket.end();
  return head;
}

describe("the service credential in production", () => {
  const start = async (token?: string) => {
    // The notification service needs no database; its transports are set with strong credentials,
    // so the service credential is what it refuses (before connecting anywhere).
    const child = Bun.spawn(["bun", new URL("../../../notification-service/src/main.ts", import.meta.url).pathname], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        JTS_ENV: "production",
        NOTIFICATION_PORT: "0",
        LOG_LEVEL: "error",
        JTS_BUS: "nats",
        JTS_RPC: "nats",
        JTS_CACHE: "redis",
        NATS_URL: "nats://127.0.0.1:1",
        NATS_USER: "jts",
        NATS_PASSWORD: "q8Vt3kZr9Lm2Xw7Yp4Ns6Hc1Bd5Gf0Ja",
        REDIS_URL: "redis://127.0.0.1:1",
        ...(token === undefined ? {} : { JTS_SERVICE_TOKEN: token }),
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => child.kill(), 20_000);
    const stderr = await new Response(child.stderr).text();
    const exitCode = await child.exited;
    clearTimeout(timer);
    return { exitCode, stderr };
  };

  it("is required: a service refuses to start without one or with a weak one, saying why", async () => {
    const missing = await start();
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain("JTS_SERVICE_TOKEN is required in production");
    const weak = await start("CHANGE-ME-example-service-token");
    expect(weak.exitCode).not.toBe(0);
    expect(weak.stderr).toContain("JTS_SERVICE_TOKEN is still a placeholder");
  }, 45_000);
});

const natsUrl = serverUrl("NATS_URL");
const redisUrl = serverUrl("REDIS_URL");

describe.skipIf(!natsUrl || !redisUrl)(
  `rpc over NATS${natsUrl && redisUrl ? "" : " (skipped: NATS_URL and REDIS_URL not both set)"}`,
  () => {
    it("refuses a command from anyone on the bus without the service credential, and changes nothing", async () => {
      const namespace = `plane${Date.now().toString(36)}`;
      const runtime = await runtimeFromEnv(silentLogger, "risk-management", {
        ...process.env,
        JTS_ENV: "test",
        JTS_BUS: "nats",
        JTS_RPC: "nats",
        JTS_CACHE: "redis",
        JTS_NAMESPACE: namespace,
      });
      const risk = createRiskService(runtime);
      await risk.start();
      const port = await listen(risk, 0);
      // Whoever holds the bus password (or reaches a bus without one) but not the service credential.
      const intruder = await connectNats(natsUrl as string, "intruder");
      try {
        const reply = await intruder.request(
          `${namespace}.risk.set-state`,
          new TextEncoder().encode(JSON.stringify({ state: "HALTED", reason: "intruder" })),
          { timeout: 5000 },
        );
        const answer = JSON.parse(new TextDecoder().decode(reply.data));
        expect(answer).toMatchObject({ ok: false, error: { code: "UNAUTHORIZED" } });
        expect((await read<RiskStatus>(`${port.url}/risk`)).state).toBe("ACTIVE");
      } finally {
        await port.close();
        await risk.stop();
        await closeRuntime(runtime);
        // The namespace's JetStream stream is this test's alone: leave the shared server as it was.
        const jsm = await intruder.jetstreamManager();
        await jsm.streams.delete(`JTS_${namespace.toUpperCase()}`).catch(() => false);
        await intruder.drain();
      }
    }, 60_000);
  },
);
