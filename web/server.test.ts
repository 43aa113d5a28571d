import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { CONTENT_SECURITY_POLICY, MAX_BODY_BYTES, startWebServer, type WebServer } from "./server.ts";

const INDEX = "<!doctype html><title>JTS test shell</title>";

let distDir: string;
let gateway: Server<undefined>;
let web: WebServer;
let base: string;
const gatewayClosed: { code: number; reason: string }[] = [];
/** What the fake gateway saw: X-Forwarded-For of each socket upgrade, and every /api path it was asked for. */
const upgradesForwardedFor: (string | null)[] = [];
const gatewayPaths: string[] = [];

beforeAll(() => {
  distDir = mkdtempSync(join(tmpdir(), "jts-web-dist-"));
  writeFileSync(join(distDir, "index.html"), INDEX);
  writeFileSync(join(distDir, "sw.js"), "self.addEventListener('fetch', () => {});");
  writeFileSync(join(distDir, "manifest.webmanifest"), JSON.stringify({ name: "JTS" }));

  gateway = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request, server) {
      const url = new URL(request.url);
      gatewayPaths.push(url.pathname);
      if (url.pathname === "/ws") {
        upgradesForwardedFor.push(request.headers.get("x-forwarded-for"));
        return server.upgrade(request, { data: undefined })
          ? undefined
          : new Response("upgrade required", { status: 426 });
      }
      if (url.pathname === "/api/ping") {
        return Response.json({ pong: true, query: url.searchParams.get("q") }, { headers: { "x-gateway": "fake" } });
      }
      if (url.pathname === "/api/echo" && request.method === "POST") {
        return Response.json(
          {
            method: request.method,
            contentType: request.headers.get("content-type"),
            authorization: request.headers.get("authorization"),
            forwardedFor: request.headers.get("x-forwarded-for"),
            forwardedProto: request.headers.get("x-forwarded-proto"),
            body: await request.json(),
          },
          { status: 201 },
        );
      }
      return Response.json({ error: { code: "NOT_FOUND", message: `no route ${url.pathname}` } }, { status: 404 });
    },
    websocket: {
      message(ws, message) {
        if (message === "close-me") ws.close(4000, "asked to");
        else ws.send(`echo:${message}`);
      },
      close(_ws, code, reason) {
        gatewayClosed.push({ code, reason });
      },
    },
  });

  web = startWebServer({ port: 0, distDir, gatewayUrl: `http://127.0.0.1:${gateway.port}` });
  base = `http://127.0.0.1:${web.port}`;
});

afterAll(async () => {
  await web.stop();
  await gateway.stop(true);
  rmSync(distDir, { recursive: true, force: true });
});

function openSocket(): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${web.port}/ws`);
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error("socket failed to open"));
  });
}

function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve) => {
    socket.addEventListener("message", (event) => resolve(String(event.data)), { once: true });
  });
}

function closed(socket: WebSocket): Promise<CloseEvent> {
  return new Promise((resolve) => socket.addEventListener("close", (event) => resolve(event), { once: true }));
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}

describe("startWebServer", () => {
  test("reports the real port when asked for port 0", () => {
    expect(web.port).toBeGreaterThan(0);
  });

  test("serves a file from the dist directory with its content type", async () => {
    const response = await fetch(`${base}/manifest.webmanifest`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("application/manifest+json");
    expect(await response.json()).toEqual({ name: "JTS" });
  });

  test("serves index.html at the root without caching", async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("text/html");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(await response.text()).toBe(INDEX);
  });

  test("serves the service worker as JavaScript without caching", async () => {
    const response = await fetch(`${base}/sw.js`);
    expect(response.headers.get("content-type")).toStartWith("text/javascript");
    expect(response.headers.get("cache-control")).toBe("no-cache");
  });

  test("falls back to index.html for a client-side route", async () => {
    const response = await fetch(`${base}/positions/BTC-KRW`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("text/html");
    expect(await response.text()).toBe(INDEX);
  });

  test("answers 404 for a missing asset instead of the app shell", async () => {
    const response = await fetch(`${base}/assets/missing-1234.js`);
    expect(response.status).toBe(404);
  });

  test("never serves a file outside the dist directory", async () => {
    const response = await fetch(`${base}/..%2f..%2fetc%2fpasswd`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("root:");
  });

  test("proxies an api request with the gateway's status, headers, body and query", async () => {
    const response = await fetch(`${base}/api/ping?q=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gateway")).toBe("fake");
    expect(await response.json()).toEqual({ pong: true, query: "1" });
  });

  test("passes the gateway's error status and error body through", async () => {
    const response = await fetch(`${base}/api/nowhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: "NOT_FOUND", message: "no route /api/nowhere" } });
  });

  test("forwards a POST body and its headers to the gateway", async () => {
    const response = await fetch(`${base}/api/echo`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer t0ken" },
      body: JSON.stringify({ symbol: "BTC-KRW", quantity: "0.01" }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({
      method: "POST",
      contentType: "application/json",
      authorization: "Bearer t0ken",
      forwardedFor: expect.stringMatching(/127\.0\.0\.1$/),
      forwardedProto: "http",
      body: { symbol: "BTC-KRW", quantity: "0.01" },
    });
  });

  test("replaces a client's own X-Forwarded-For with the address it really came from", async () => {
    const response = await fetch(`${base}/api/echo`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.9" },
      body: "{}",
    });
    expect(((await response.json()) as { forwardedFor: string }).forwardedFor).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    const socket = await openSocket();
    socket.send("hello");
    expect(await nextMessage(socket)).toBe("echo:hello");
    expect(upgradesForwardedFor.at(-1)).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    socket.close();
  });

  test("passes a trusted front proxy's chain and scheme on, appending the proxy's own address", async () => {
    const fronted = startWebServer({
      port: 0,
      distDir,
      gatewayUrl: `http://127.0.0.1:${gateway.port}`,
      trustedProxies: ["127.0.0.1"],
    });
    try {
      const response = await fetch(`http://127.0.0.1:${fronted.port}/api/echo`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" },
        body: "{}",
      });
      const echoed = (await response.json()) as { forwardedFor: string; forwardedProto: string };
      expect(echoed.forwardedFor).toMatch(/^203\.0\.113\.9, (::ffff:)?127\.0\.0\.1$/);
      expect(echoed.forwardedProto).toBe("https");
    } finally {
      await fronted.stop();
    }
  });

  test("refuses a chunked body past the cap without passing any of it on", async () => {
    const chunk = new Uint8Array(16 * 1024).fill(0x20);
    const body = (async function* () {
      for (let i = 0; i < (2 * MAX_BODY_BYTES) / chunk.byteLength; i++) yield chunk;
    })();
    const before = gatewayPaths.length;
    const response = await fetch(`${base}/api/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body as unknown as ReadableStream,
    });
    expect(response.status).toBe(413);
    expect(gatewayPaths.slice(before)).toEqual([]);
  });

  test("sends the content security policy and no-framing headers with every static answer", async () => {
    for (const path of ["/", "/markets", "/sw.js", "/manifest.webmanifest", "/assets/missing-1234.js"]) {
      const response = await fetch(`${base}${path}`);
      expect(response.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-eval");
  });

  test("answers a path with NUL or another control character with 400 in the error shape", async () => {
    for (const path of ["/%00", "/index.html%00.js", "/%1b"]) {
      const response = await fetch(`${base}${path}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    }
  });

  test("answers 503 in the error shape when the gateway is down", async () => {
    const orphan = startWebServer({ port: 0, distDir, gatewayUrl: "http://127.0.0.1:1" });
    try {
      const response = await fetch(`http://127.0.0.1:${orphan.port}/api/ping`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
    } finally {
      await orphan.stop();
    }
  });

  test("pipes websocket messages to the gateway and back", async () => {
    const socket = await openSocket();
    const replies: string[] = [];
    socket.onmessage = (event) => replies.push(String(event.data));
    // Sent at once: the proxy must hold them until its own gateway socket is open.
    socket.send("one");
    socket.send("two");
    await until(() => replies.length === 2);
    expect(replies).toEqual(["echo:one", "echo:two"]);
    socket.close();
  });

  test("closes the browser socket when the gateway closes its side", async () => {
    const socket = await openSocket();
    const closing = closed(socket);
    socket.send("close-me");
    const event = await closing;
    expect(event.code).toBe(4000);
    expect(event.reason).toBe("asked to");
  });

  test("closes the gateway socket when the browser closes its side", async () => {
    const socket = await openSocket();
    socket.send("hello");
    expect(await nextMessage(socket)).toBe("echo:hello");
    const before = gatewayClosed.length;
    socket.close(1000, "bye");
    await until(() => gatewayClosed.length > before);
    expect(gatewayClosed.at(-1)).toEqual({ code: 1000, reason: "bye" });
  });
});
