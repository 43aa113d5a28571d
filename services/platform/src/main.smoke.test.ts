import { afterAll, describe, expect, it } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Order } from "@jts/contracts";
import { eventually, readJson } from "@jts/kit/testing";
import { PLATFORM_PORT_NAMES, platformPorts } from "./testing/ports.ts";

const mainPath = resolve(import.meta.dir, "main.ts");
const webBuilt = existsSync(resolve(import.meta.dir, "../../../web/dist/index.html"));
const ports = platformPorts();
const names = PLATFORM_PORT_NAMES;
const port = (name: (typeof names)[number]) => Number(ports[`${name}_PORT`]);
const dataDir = mkdtempSync(join(tmpdir(), "jts-dev-"));
// The embedded PostgreSQL runs as a non-root user that must reach its data directory.
chmodSync(dataDir, 0o755);

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Collects a child's stdout until `needle` shows up. */
async function readUntil(stream: ReadableStream<Uint8Array>, needle: string, timeoutMs: number): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  while (!text.includes(needle)) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => null)]);
    if (!chunk || chunk.done) break;
    text += decoder.decode(chunk.value);
  }
  reader.releaseLock();
  return text;
}

/** `just dev` as a child process on test ports and a throwaway data directory. */
async function startDev() {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: "warn",
    STRATEGIES: "off",
    ...ports,
  };
  env.JTS_DATA_DIR = dataDir;
  env.SIM_INTERVAL_MS = "50";
  const child = Bun.spawn(["bun", mainPath], { env, stdout: "pipe", stderr: "inherit" });
  const banner = await readUntil(child.stdout, "broker-sim", 60_000);
  return {
    banner,
    async stop() {
      child.kill("SIGINT");
      return Promise.race([child.exited, Bun.sleep(15_000).then(() => "still running")]);
    },
  };
}

const api = (path: string, init: RequestInit = {}, token?: string) =>
  fetch(`http://127.0.0.1:${port("GATEWAY")}${path}`, {
    ...init,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });

async function login(): Promise<string> {
  const res = await api("/api/auth/login", {
    method: "POST",
    body: JSON.stringify({ username: "admin", password: "jts-dev-password" }),
  });
  return (await readJson(res)).accessToken;
}

describe("just dev (services/platform/src/main.ts)", () => {
  it("runs every service on embedded PostgreSQL and chdb, keeps orders, positions and candles across a restart, and stops on Ctrl-C", async () => {
    const first = await startDev();
    let order: Order;
    let resting: Order;
    try {
      expect(first.banner).toContain("JTS is running");
      expect(first.banner).toContain("login: admin / ");
      for (const name of names.filter((n) => n !== "WEB" && n !== "PG")) {
        const res = await fetch(`http://127.0.0.1:${port(name)}/health`);
        expect({ name, status: res.status }).toEqual({ name, status: 200 });
      }
      if (webBuilt) expect(await (await fetch(`http://127.0.0.1:${port("WEB")}/`)).text()).toContain("<html");

      const token = await login();
      await eventually(
        async () => expect(((await readJson(await api("/api/prices", {}, token))) as unknown[]).length).toBe(3),
        10_000,
      );
      const created = await api(
        "/api/orders",
        {
          method: "POST",
          body: JSON.stringify({
            clientOrderId: "smoke-1",
            symbol: "005930",
            side: "BUY",
            type: "MARKET",
            quantity: "2",
          }),
        },
        token,
      );
      expect(created.status).toBe(201);
      order = await readJson(created);
      await eventually(
        async () => expect((await readJson(await api(`/api/orders/${order.id}`, {}, token))).status).toBe("FILLED"),
        10_000,
      );
      // A buy resting well below the market: the paper venue must still work it after the restart.
      const filled = (await readJson(await api(`/api/orders/${order.id}`, {}, token))) as Order;
      const restingCreated = await api(
        "/api/orders",
        {
          method: "POST",
          body: JSON.stringify({
            clientOrderId: "smoke-rest",
            symbol: "005930",
            side: "BUY",
            type: "LIMIT",
            price: String(Math.floor((Number(filled.averagePrice) * 0.95) / 100) * 100),
            quantity: "1",
            timeInForce: "GTC",
          }),
        },
        token,
      );
      expect(restingCreated.status).toBe(201);
      resting = await readJson(restingCreated);
      expect(resting.status).toBe("ACCEPTED");
      // Candles reach chdb through the batching writer (flushed every second).
      await eventually(
        async () =>
          expect(
            ((await readJson(await api("/api/candles?symbol=005930", {}, token))) as unknown[]).length,
          ).toBeGreaterThan(0),
        10_000,
      );
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const second = await startDev();
    try {
      const token = await login();
      const orders = (await readJson(await api("/api/orders", {}, token))) as Order[];
      expect(orders.find((o) => o.clientOrderId === "smoke-1")).toMatchObject({
        id: order.id,
        status: "FILLED",
        filledQuantity: "2",
      });
      const again = await api(
        "/api/orders",
        {
          method: "POST",
          body: JSON.stringify({
            clientOrderId: "smoke-1",
            symbol: "005930",
            side: "BUY",
            type: "MARKET",
            quantity: "2",
          }),
        },
        token,
      );
      expect(again.status).toBe(200);
      expect((await readJson(again)).id).toBe(order.id);
      const positions = (await readJson(await api("/api/positions", {}, token))) as Array<{
        symbol: string;
        quantity: string;
      }>;
      expect(positions.find((p) => p.symbol === "005930")?.quantity).toBe("2");
      const candles = (await readJson(await api("/api/candles?symbol=005930", {}, token))) as Array<{ trades: number }>;
      expect(candles.length).toBeGreaterThan(0);
      // The paper venue kept its working order, so the OMS's start-up reconciliation left it working.
      const venueOpen = (await readJson(await fetch(`http://127.0.0.1:${port("PAPER")}/open-orders`))) as Array<{
        orderId: string;
        status: string;
      }>;
      expect(venueOpen.map((o) => [o.orderId, o.status])).toContainEqual([resting.id, "ACCEPTED"]);
      await Bun.sleep(2_000);
      expect((await readJson(await api(`/api/orders/${resting.id}`, {}, token))).status).toBe("ACCEPTED");
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 120_000);
});
