/**
 * The security regression suite's harness: a real platform (bootPlatform, the
 * `just dev` composition) on free loopback ports, optionally with the PWA
 * server (web/server.ts) in front of the gateway serving a stand-in dist, and
 * the few helpers an attacker's test needs: log in, call the HTTP API (with
 * fetch, or from a chosen loopback address so one test can play several people
 * behind the same proxy, or an untrusted peer next to it), open a WebSocket,
 * start `main.ts` as a process and read how it refuses to start.
 *
 * Tests here are black-box: they speak HTTP and WS to the ports a client
 * would reach, never a service's objects. `services/platform/src/security/
 * <item>.security.test.ts` files are picked up by `bun test` like any test.
 */
import { setDefaultTimeout } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { WsServerMessage } from "@jts/contracts";
import { loadConfig } from "@jts/kit";
import { eventually, silentLogger } from "@jts/kit/testing";
import { bootPlatform, type Platform } from "../boot.ts";
import { platformConfigSpec } from "../config.ts";

export { platformPorts } from "../testing/ports.ts";

// Each test hashes passwords (argon2id) or starts processes: on a busy 2-core machine that outgrows 5 s.
setDefaultTimeout(60_000);

/** The bootstrap admin's password in every harness platform (meets the password policy). */
export const ADMIN_PASSWORD = "harness-admin-password-7Qx";

export interface Session {
  username: string;
  accessToken: string;
  refreshToken: string;
}

export interface CallOptions {
  method?: string;
  /** An access token, or a session whose access token is sent. */
  token?: string | Session;
  /** JSON-encoded unless a string (sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SecurityPlatform {
  platform: Platform;
  /** The gateway's base URL (http://127.0.0.1:port). */
  api: string;
  /** Service name -> base URL, the internal ports included. */
  urls: Record<string, string>;
  /** The bootstrap admin, logged in at the gateway. */
  admin: Session;
  /** An HTTP call to `base` (default: the gateway). */
  call(path: string, options?: CallOptions, base?: string): Promise<Response>;
  /** The JSON body and status of a call. */
  json<T = unknown>(path: string, options?: CallOptions, base?: string): Promise<{ status: number; body: T }>;
  /** Logs in at `base` (default: the gateway; body refresh token). */
  login(username: string, password: string, base?: string): Promise<Session>;
  /** Creates a user as the admin; returns its password (`<name>-Pw-9f2kq7x` unless given). */
  createUser(username: string, role: Role, password?: string): Promise<string>;
  /** Creates a user as the admin, then logs them in. */
  addUser(username: string, role: Role, password?: string): Promise<Session>;
  /** A socket to the gateway's /ws, authenticated with `token` when given. */
  socket(token?: string): Promise<TestSocket>;
  stop(): Promise<void>;
}

/** A security platform with the PWA server in front of the gateway. */
export interface EdgePlatform extends SecurityPlatform {
  /** The PWA server, which proxies /api and /ws to the gateway. */
  web: string;
}

type Role = "admin" | "trader" | "viewer";

export interface TestSocket {
  socket: WebSocket;
  messages: WsServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  /** Sends `{op: "auth"}` and waits for the answer (authed or error). */
  auth(token: string): Promise<WsServerMessage>;
  close(): void;
}

/**
 * Boots the platform in this process on ephemeral ports with in-memory storage
 * and the sim feed running (fast), strategies off unless `settings` turn them
 * on. `settings` are environment values on top of those defaults.
 */
export function bootSecurityPlatform(settings: Record<string, string> = {}): Promise<SecurityPlatform> {
  return boot({ SIM_INTERVAL_MS: "20", ...settings });
}

/**
 * The boot for the transport-edge tests (issue 14, items 6 to 11): the same
 * platform at the sim feed's own pace, with the PWA server in front serving a
 * stand-in dist.
 */
export async function bootEdgePlatform(settings: Record<string, string> = {}): Promise<EdgePlatform> {
  const distDir = mkdtempSync(join(tmpdir(), "jts-sec-dist-"));
  writeFileSync(join(distDir, "index.html"), "<!doctype html><title>JTS</title>");
  mkdirSync(join(distDir, "assets"));
  writeFileSync(join(distDir, "assets", "app.js"), "console.log('jts');");
  const p = await boot(settings, distDir);
  return {
    ...p,
    web: (p.urls.web as string).replace("localhost", "127.0.0.1"),
    async stop() {
      await p.stop();
      rmSync(distDir, { recursive: true, force: true });
    },
  };
}

async function boot(settings: Record<string, string>, webDist?: string): Promise<SecurityPlatform> {
  const config = loadConfig(platformConfigSpec, {
    JTS_ENV: "test",
    JTS_STORAGE: "memory",
    JTS_HOST: "127.0.0.1",
    STRATEGIES: "off",
    JTS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: "error",
    ...settings,
  });
  const platform = await bootPlatform(config, {
    ephemeralPorts: true,
    logger: silentLogger,
    ...(webDist ? { webDist } : {}),
  });
  const api = platform.urls["api-gateway"] as string;

  const call = (path: string, options: CallOptions = {}, base = api) => {
    const token = typeof options.token === "string" ? options.token : options.token?.accessToken;
    const body = encodeBody(options.body);
    return fetch(`${base}${path}`, {
      method: options.method ?? (body === undefined ? "GET" : "POST"),
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...options.headers,
      },
      ...(body === undefined ? {} : { body }),
    });
  };
  const json = async <T>(path: string, options?: CallOptions, base?: string) => {
    const res = await call(path, options, base);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const login = async (username: string, password: string, base = api): Promise<Session> => {
    const res = await json<{ accessToken: string; refreshToken: string }>(
      "/api/auth/login",
      { body: { username, password } },
      base,
    );
    if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { username, accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
  };
  const admin = await login(config.JTS_ADMIN_USER, config.JTS_ADMIN_PASSWORD);

  const createUser = async (username: string, role: Role, password = `${username}-Pw-9f2kq7x`) => {
    const res = await json("/api/users", { token: admin, body: { username, password, role } });
    if (res.status !== 201) throw new Error(`creating ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return password;
  };
  const addUser = async (username: string, role: Role, password?: string) =>
    login(username, await createUser(username, role, password));

  const socket = async (token?: string) => {
    const handle = await openSocket(api);
    if (token) await handle.auth(token);
    return handle;
  };

  return {
    platform,
    api,
    urls: platform.urls,
    admin,
    call,
    json,
    login,
    createUser,
    addUser,
    socket,
    stop: () => platform.stop(),
  };
}

const encodeBody = (body: unknown) =>
  body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);

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
  const body = encodeBody(options.body);
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

/** A WebSocket to `base`/ws that records what it receives and how it closed; `headers` go with the upgrade. */
export async function openSocket(base: string, headers?: Record<string, string>): Promise<TestSocket> {
  const messages: WsServerMessage[] = [];
  // Bun's WebSocket takes upgrade headers (e.g. a proxy's X-Forwarded-For).
  const ws = headers
    ? new WebSocket(`${base.replace("http", "ws")}/ws`, { headers } as unknown as string[])
    : new WebSocket(`${base.replace("http", "ws")}/ws`);
  ws.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
  const closed = new Promise<{ code: number; reason: string }>((done) => {
    ws.onclose = (e) => done({ code: e.code, reason: e.reason });
  });
  await new Promise((done, fail) => {
    ws.onopen = done;
    ws.onerror = fail;
  });
  const send = (message: unknown) => ws.send(typeof message === "string" ? message : JSON.stringify(message));
  const auth = async (t: string) => {
    const before = messages.length;
    send({ op: "auth", token: t });
    let answer: WsServerMessage | undefined;
    await eventually(() => {
      answer = messages.slice(before).find((m) => m.op === "authed" || m.op === "error");
      if (!answer) throw new Error("no answer to auth yet");
    });
    return answer as WsServerMessage;
  };
  return { socket: ws, messages, closed, send, auth, close: () => ws.close() };
}

const ROOT = resolve(import.meta.dir, "../../../..");

/**
 * Starts `main.ts` (what `just dev` and a production host run) with exactly
 * `env` (plus PATH/HOME) and waits until it exits, prints `until` on stdout
 * (then it is stopped), or `timeoutMs` passes (then it is killed and reported
 * with `exitCode: null`). A refused configuration exits non-zero with the
 * reasons on stderr.
 */
export function runMain(env: Record<string, string>, options: RunOptions = {}) {
  return runScript("services/platform/src/main.ts", env, options);
}

export interface RunOptions {
  timeoutMs?: number;
  /** Stop the process (SIGTERM) once its stdout holds this text. */
  until?: string;
}

/** Like runMain, for any entry point (path from the repository root), e.g. a service's own main.ts. */
export async function runScript(
  script: string,
  env: Record<string, string>,
  { timeoutMs = 20_000, until }: RunOptions = {},
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const child = Bun.spawn(["bun", resolve(ROOT, script)], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "error", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const readOut = async () => {
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      text += decoder.decode(chunk);
      if (until && text.includes(until)) child.kill("SIGTERM");
    }
    return text;
  };
  const [stdout, stderr] = await Promise.all([readOut(), new Response(child.stderr).text()]);
  const exitCode = await child.exited;
  clearTimeout(timer);
  return { exitCode: child.signalCode === "SIGKILL" ? null : exitCode, stdout, stderr };
}

/** The repository's .env.example as name -> value (the placeholders production must refuse). */
export async function envExample(): Promise<Record<string, string>> {
  const text = await Bun.file(resolve(ROOT, ".env.example")).text();
  const pairs = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#") && line.includes("="))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]);
  return Object.fromEntries(pairs);
}

/** Fields of an error body (`{error: {code, message}}`) for readable assertions. */
export const errorOf = (body: unknown) => (body as { error?: { code: string; message: string } })?.error;
