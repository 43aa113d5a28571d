/**
 * The security regression suite's harness: a real platform (bootPlatform, the
 * `just dev` composition) on free loopback ports, and the few helpers an
 * attacker's test needs: log in, call the HTTP API, open a WebSocket, start
 * `main.ts` as a process and read how it refuses to start.
 *
 * Tests here are black-box: they speak HTTP and WS to the ports a client
 * would reach, never a service's objects. `services/platform/src/security/
 * <item>.security.test.ts` files are picked up by `bun test` like any test.
 */
import { setDefaultTimeout } from "bun:test";
import { resolve } from "node:path";
import type { WsServerMessage } from "@jts/contracts";
import { loadConfig } from "@jts/kit";
import { eventually, silentLogger } from "@jts/kit/testing";
import { bootPlatform, type Platform } from "../boot.ts";
import { platformConfigSpec } from "../config.ts";

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
  admin: Session;
  /** An HTTP call to `base` (default: the gateway). */
  call(path: string, options?: CallOptions, base?: string): Promise<Response>;
  /** The JSON body and status of a call. */
  json<T = unknown>(path: string, options?: CallOptions, base?: string): Promise<{ status: number; body: T }>;
  login(username: string, password: string): Promise<Session>;
  /** Creates a user as the admin, then logs them in. */
  addUser(username: string, role: "admin" | "trader" | "viewer", password?: string): Promise<Session>;
  socket(token?: string): Promise<TestSocket>;
  stop(): Promise<void>;
}

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
export async function bootSecurityPlatform(settings: Record<string, string> = {}): Promise<SecurityPlatform> {
  const config = loadConfig(platformConfigSpec, {
    JTS_ENV: "test",
    JTS_STORAGE: "memory",
    JTS_HOST: "127.0.0.1",
    SIM_INTERVAL_MS: "20",
    STRATEGIES: "off",
    JTS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: "error",
    ...settings,
  });
  const platform = await bootPlatform(config, {
    ephemeralPorts: true,
    logger: silentLogger,
  });
  const api = platform.urls["api-gateway"] as string;

  const call = (path: string, options: CallOptions = {}, base = api) => {
    const token = typeof options.token === "string" ? options.token : options.token?.accessToken;
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body);
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
  const login = async (username: string, password: string): Promise<Session> => {
    const res = await json<{ accessToken: string; refreshToken: string }>("/api/auth/login", {
      body: { username, password },
    });
    if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { username, accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
  };
  const admin = await login(config.JTS_ADMIN_USER, config.JTS_ADMIN_PASSWORD);

  const addUser = async (
    username: string,
    role: "admin" | "trader" | "viewer",
    password = `${username}-Pw-9f2kq7x`,
  ) => {
    const res = await json("/api/users", { token: admin, body: { username, password, role } });
    if (res.status !== 201) throw new Error(`creating ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return login(username, password);
  };

  const socket = async (token?: string): Promise<TestSocket> => {
    const messages: WsServerMessage[] = [];
    const ws = new WebSocket(`${api.replace("http", "ws")}/ws`);
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
    const handle: TestSocket = { socket: ws, messages, closed, send, auth, close: () => ws.close() };
    if (token) await auth(token);
    return handle;
  };

  return { platform, api, urls: platform.urls, admin, call, json, login, addUser, socket, stop: () => platform.stop() };
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

/** Loopback ports for a platform started as a process: a random block of 12, away from the usual ones. */
export function platformPorts(): Record<string, string> {
  const names = [
    "GATEWAY",
    "STRATEGY",
    "RISK",
    "ORDER",
    "MARKET_DATA",
    "PORTFOLIO",
    "NOTIFICATION",
    "PAPER",
    "SIM",
    "WEB",
    "PG",
  ];
  const base = 40_000 + Math.floor(Math.random() * 20_000);
  return Object.fromEntries(names.map((name, i) => [`${name}_PORT`, String(base + i)]));
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
