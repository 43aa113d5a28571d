/**
 * The boot for the transport-edge tests of the security suite (issue 14, items
 * 6 to 11): the platform as `just dev` composes it, in this process on free
 * loopback ports with in-memory storage, and the PWA server (web/server.ts) in
 * front of the gateway serving a stand-in dist. Clients can call from any
 * loopback address (127.0.0.2, 127.0.0.3, ...) so one test can play several
 * people behind the same proxy, or an untrusted peer next to it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WsServerMessage } from "@jts/contracts";
import { loadConfig } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { bootPlatform, type Platform } from "../boot.ts";
import { platformConfigSpec } from "../config.ts";

export const ADMIN_PASSWORD = "edges-admin-password-7Qx";

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field
  json(): any;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string. */
  body?: unknown;
  /** The loopback address the call comes from (default 127.0.0.1). */
  from?: string;
}

/** An HTTP call from a chosen local address (fetch cannot pick one; node:http can). */
export function request(url: string, options: RequestOptions = {}): Promise<Answer> {
  const target = new URL(url);
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: options.method ?? (body === undefined ? "GET" : "POST"),
        localAddress: options.from ?? "127.0.0.1",
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...options.headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export interface EdgePlatform {
  platform: Platform;
  /** The gateway's own base URL. */
  api: string;
  /** The PWA server, which proxies /api and /ws to the gateway. */
  web: string;
  /** A logged-in admin's access token (logged in directly at the gateway). */
  adminToken: string;
  /** Logs in (body refresh token) and returns the answer's tokens. */
  login(username: string, password: string, base?: string): Promise<{ accessToken: string; refreshToken: string }>;
  /** Creates a user as the admin; returns its password. */
  addUser(username: string, role: "admin" | "trader" | "viewer"): Promise<string>;
  stop(): Promise<void>;
}

export async function bootEdgePlatform(env: Record<string, string> = {}): Promise<EdgePlatform> {
  const distDir = mkdtempSync(join(tmpdir(), "jts-sec-dist-"));
  writeFileSync(join(distDir, "index.html"), "<!doctype html><title>JTS</title>");
  mkdirSync(join(distDir, "assets"));
  writeFileSync(join(distDir, "assets", "app.js"), "console.log('jts');");
  const config = loadConfig(platformConfigSpec, {
    JTS_ENV: "test",
    JTS_HOST: "127.0.0.1",
    STRATEGIES: "off",
    JTS_STORAGE: "memory",
    JTS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: "error",
    ...env,
  });
  const platform = await bootPlatform(config, {
    ephemeralPorts: true,
    webDist: distDir,
    logger: silentLogger,
  });
  const api = platform.urls["api-gateway"] as string;
  const login = async (username: string, password: string, base = api) => {
    const answer = await request(`${base}/api/auth/login`, { body: { username, password } });
    if (answer.status !== 200) throw new Error(`login of ${username} failed: ${answer.status} ${answer.text}`);
    return answer.json() as { accessToken: string; refreshToken: string };
  };
  const adminToken = (await login("admin", ADMIN_PASSWORD)).accessToken;
  return {
    platform,
    api,
    web: (platform.urls.web as string).replace("localhost", "127.0.0.1"),
    adminToken,
    login,
    async addUser(username, role) {
      const password = `${username}-Pw-9f2kq7xZ`;
      const answer = await request(`${api}/api/users`, {
        headers: { authorization: `Bearer ${adminToken}` },
        body: { username, password, role },
      });
      if (answer.status !== 201) throw new Error(`creating ${username} failed: ${answer.status} ${answer.text}`);
      return password;
    },
    async stop() {
      await platform.stop();
      rmSync(distDir, { recursive: true, force: true });
    },
  };
}

export interface TestSocket {
  socket: WebSocket;
  messages: WsServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
}

/** A WebSocket to `base`/ws that records what it receives and how it closed; `headers` go with the upgrade. */
export async function openSocket(base: string, headers?: Record<string, string>): Promise<TestSocket> {
  const messages: WsServerMessage[] = [];
  // Bun's WebSocket takes upgrade headers (e.g. a proxy's X-Forwarded-For).
  const socket = headers
    ? new WebSocket(`${base.replace("http", "ws")}/ws`, { headers } as unknown as string[])
    : new WebSocket(`${base.replace("http", "ws")}/ws`);
  socket.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
  const closed = new Promise<{ code: number; reason: string }>((done) => {
    socket.onclose = (e) => done({ code: e.code, reason: e.reason });
  });
  await new Promise((done, fail) => {
    socket.onopen = done;
    socket.onerror = fail;
  });
  return {
    socket,
    messages,
    closed,
    send: (message) => socket.send(typeof message === "string" ? message : JSON.stringify(message)),
  };
}
