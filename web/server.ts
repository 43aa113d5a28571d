/**
 * Serves the built PWA (web/dist) and proxies /api and /ws to the gateway, so
 * the browser sees one origin: no CORS, and the service worker scope covers all.
 */
import { realpathSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import type { Server, ServerWebSocket } from "bun";

export interface WebServerOptions {
  /** 0 picks a free port; the real one is returned. */
  port: number;
  hostname?: string;
  distDir: string;
  /** e.g. http://127.0.0.1:3000 */
  gatewayUrl: string;
  /**
   * Addresses of a proxy in front of this server (a TLS terminator) whose
   * X-Forwarded-For and X-Forwarded-Proto are passed on; from anyone else they are
   * replaced by what this server sees. None by default: this server is the edge.
   */
  trustedProxies?: readonly string[];
}

export interface WebServer {
  port: number;
  stop(): Promise<void>;
}

interface SocketData {
  search: string;
  forwarded: Forwarded;
  upstream: WebSocket | null;
  /** Client messages sent before the gateway socket opened (bounded: MAX_PENDING_MESSAGES, MAX_BODY_BYTES). */
  pending: (string | Buffer)[];
  pendingBytes: number;
}

/**
 * Messages a client may send before the gateway socket opens: a client sends `auth`
 * and perhaps a subscribe or two. More is someone filling this server's memory.
 */
export const MAX_PENDING_MESSAGES = 16;

// Headers that describe one hop and must not be forwarded (RFC 9110 §7.6.1), plus those fetch recomputes.
const HOP_HEADERS = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
];

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
  ".map": "application/json; charset=utf-8",
};

/** Largest /api body passed on; the gateway's own cap is the same (services/kit DEFAULT_MAX_BODY_BYTES). */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * What the built app may load: its own scripts, styles and workers only, and the
 * API and socket on this origin. No inline script (the build has none; the service
 * worker is registered from registerSW.js); inline styles are allowed because the
 * chart library and Solid's style bindings set them. Nothing may frame the app.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** On every static answer: the CSP, no framing (old browsers read X-Frame-Options), no sniffing. */
const STATIC_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
} as const;

/** These decide which app version a browser runs; they must be revalidated on every load. */
const NO_CACHE = new Set(["/index.html", "/sw.js", "/registerSW.js", "/manifest.webmanifest"]);

/** What the gateway is told about the client: its address chain and the scheme it used. */
interface Forwarded {
  for: string;
  proto: string;
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same peer. */
const normalizeAddress = (address: string) => {
  const trimmed = address.trim().toLowerCase();
  return trimmed.startsWith("::ffff:") && trimmed.includes(".") ? trimmed.slice(7) : trimmed;
};

function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: STATIC_HEADERS });
}

/** NUL and other control characters never name a file; Bun.file throws on NUL. */
const hasControlCharacter = (text: string) => {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
};

/**
 * The request body, read chunk by chunk up to `max` bytes: null as soon as it
 * passes the cap, whatever content-length said (a chunked body has none).
 */
async function readCapped(request: Request, max: number): Promise<ArrayBuffer | null> {
  if (!request.body) return new ArrayBuffer(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body.buffer;
}

/** Bun's WebSocket client takes request headers; the DOM typings this file is also checked with do not know it. */
const ProxyWebSocket = WebSocket as unknown as new (
  url: string,
  options: { headers: Record<string, string> },
) => WebSocket;

/** A close code an endpoint may send; 1004-1006 and 1015 are reserved (1005/1006 mean "none received"). */
function sendableCloseCode(code: number, fallback: number): number {
  const valid = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  return valid ? code : fallback;
}

export function startWebServer(options: WebServerOptions): WebServer {
  const distDir = realpathSync(resolve(options.distDir));
  const gateway = new URL(options.gatewayUrl);
  const gatewayWs = new URL("/ws", gateway);
  gatewayWs.protocol = gateway.protocol === "https:" ? "wss:" : "ws:";
  const upstreams = new Set<WebSocket>();

  async function serveStatic(request: Request, pathname: string): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return errorResponse(405, "BAD_REQUEST", `${request.method} is not allowed here`);
    }
    let relative: string;
    try {
      relative = decodeURIComponent(pathname);
    } catch {
      return errorResponse(400, "BAD_REQUEST", "malformed path");
    }
    if (hasControlCharacter(relative)) return errorResponse(400, "BAD_REQUEST", "malformed path");
    const candidate = resolve(join(distDir, relative));
    if (candidate !== distDir && !candidate.startsWith(distDir + sep)) {
      return errorResponse(404, "NOT_FOUND", "not found");
    }
    let file = Bun.file(candidate);
    let servedPath = candidate.slice(distDir.length).split(sep).join("/") || "/";
    if (!(await file.exists())) {
      // Client-side routes get the app shell; a missing asset (has an extension) is a real 404.
      if (extname(relative) !== "") return errorResponse(404, "NOT_FOUND", "not found");
      file = Bun.file(join(distDir, "index.html"));
      servedPath = "/index.html";
      if (!(await file.exists())) return errorResponse(404, "NOT_FOUND", "index.html missing from dist");
    }
    const headers = new Headers({
      ...STATIC_HEADERS,
      "content-type": CONTENT_TYPES[extname(servedPath)] ?? (file.type || "application/octet-stream"),
    });
    if (NO_CACHE.has(servedPath)) headers.set("cache-control", "no-cache");
    else if (servedPath.startsWith("/assets/")) headers.set("cache-control", "public, max-age=31536000, immutable");
    return new Response(request.method === "HEAD" ? null : file, { headers });
  }

  const trustedProxies = new Set((options.trustedProxies ?? []).map(normalizeAddress));

  /**
   * The peer's own address and scheme, unless the peer is a trusted proxy: then its
   * chain is kept and the peer appended (the gateway walks it from the right).
   */
  function forwardedOf(request: Request, url: URL, peer: string): Forwarded {
    const own = { for: peer, proto: url.protocol.replace(":", "") };
    if (!trustedProxies.has(normalizeAddress(peer))) return own;
    const chain = request.headers.get("x-forwarded-for");
    return {
      for: chain ? `${chain}, ${peer}` : peer,
      proto: request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() || own.proto,
    };
  }

  async function proxyApi(request: Request, url: URL, forwarded: Forwarded): Promise<Response> {
    const target = new URL(url.pathname + url.search, gateway);
    const headers = new Headers(request.headers);
    for (const name of HOP_HEADERS) headers.delete(name);
    // Never the client's own claims: the gateway trusts these headers from this server (TRUSTED_PROXIES).
    headers.set("x-forwarded-for", forwarded.for);
    headers.set("x-forwarded-host", url.host);
    headers.set("x-forwarded-proto", forwarded.proto);
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const body = hasBody ? await readCapped(request, MAX_BODY_BYTES) : undefined;
    if (body === null) return errorResponse(413, "PAYLOAD_TOO_LARGE", `body larger than ${MAX_BODY_BYTES} bytes`);
    let upstream: Response;
    try {
      upstream = await fetch(target, {
        method: request.method,
        headers,
        body,
        redirect: "manual",
      });
    } catch {
      return errorResponse(503, "UNAVAILABLE", "gateway unreachable");
    }
    const responseHeaders = new Headers(upstream.headers);
    // fetch already decoded the body, so its encoding and length no longer describe what we send.
    for (const name of [...HOP_HEADERS, "content-encoding"]) responseHeaders.delete(name);
    return new Response(upstream.body, {
      status: upstream.status,
      statusText: upstream.statusText,
      headers: responseHeaders,
    });
  }

  function openUpstream(client: ServerWebSocket<SocketData>): void {
    const target = new URL(gatewayWs);
    target.search = client.data.search;
    // The gateway trusts this header from us (TRUSTED_PROXIES) and keys its limits and audit by it.
    const { forwarded } = client.data;
    const upstream = new ProxyWebSocket(target.href, {
      headers: { "x-forwarded-for": forwarded.for, "x-forwarded-proto": forwarded.proto },
    });
    upstream.binaryType = "arraybuffer";
    client.data.upstream = upstream;
    upstreams.add(upstream);
    upstream.onopen = () => {
      for (const message of client.data.pending) upstream.send(message);
      client.data.pending = [];
      client.data.pendingBytes = 0;
    };
    upstream.onmessage = (event) => {
      const data = event.data;
      client.send(typeof data === "string" ? data : new Uint8Array(data as ArrayBuffer));
    };
    upstream.onclose = (event) => {
      upstreams.delete(upstream);
      client.close(sendableCloseCode(event.code, 1011), event.reason);
    };
    upstream.onerror = () => {
      // onclose follows and closes the client side.
    };
  }

  const server: Server<SocketData> = Bun.serve<SocketData>({
    port: options.port,
    hostname: options.hostname ?? "127.0.0.1",
    // Counts the bytes actually read (chunked bodies too); readCapped below answers with the error body.
    maxRequestBodySize: MAX_BODY_BYTES,
    // Bun's development error page shows absolute paths and stacks: never serve it.
    development: false,
    error(error) {
      console.error("web: unhandled error", error);
      return errorResponse(500, "INTERNAL", "internal error");
    },
    async fetch(request, srv) {
      // HTTP/1.0 without Host: Bun's request.url is just the path and `new URL` would throw (a logged 500).
      if (!URL.canParse(request.url)) return errorResponse(400, "BAD_REQUEST", "a request needs a Host header");
      const url = new URL(request.url);
      const forwarded = forwardedOf(request, url, srv.requestIP(request)?.address ?? "");
      if (url.pathname === "/ws") {
        const data: SocketData = { search: url.search, forwarded, upstream: null, pending: [], pendingBytes: 0 };
        if (srv.upgrade(request, { data })) return undefined;
        return errorResponse(426, "BAD_REQUEST", "WebSocket upgrade required");
      }
      if (url.pathname === "/api" || url.pathname.startsWith("/api/")) return proxyApi(request, url, forwarded);
      return serveStatic(request, url.pathname);
    },
    websocket: {
      // Bun's default is 16 MiB; the gateway refuses frames past its own cap anyway, so never buffer more here.
      maxPayloadLength: MAX_BODY_BYTES,
      open(client) {
        openUpstream(client);
      },
      message(client, message) {
        const upstream = client.data.upstream;
        if (upstream?.readyState === WebSocket.OPEN) return void upstream.send(message);
        const data = client.data;
        data.pendingBytes += typeof message === "string" ? Buffer.byteLength(message) : message.byteLength;
        if (data.pending.length >= MAX_PENDING_MESSAGES || data.pendingBytes > MAX_BODY_BYTES) {
          client.close(1013, "too many messages before the gateway answered; reconnect and wait for authed");
          return;
        }
        data.pending.push(message);
      },
      close(client, code, reason) {
        const upstream = client.data.upstream;
        client.data.upstream = null;
        if (upstream && upstream.readyState !== WebSocket.CLOSED) upstream.close(sendableCloseCode(code, 1000), reason);
      },
    },
  });

  return {
    port: server.port ?? options.port,
    async stop() {
      for (const upstream of upstreams) upstream.close(1001, "web server stopping");
      upstreams.clear();
      await server.stop(true);
    },
  };
}

if (import.meta.main) {
  const web = startWebServer({
    port: Number(process.env.JTS_WEB_PORT ?? 8080),
    // Loopback unless configured: a container (compose sets JTS_WEB_HOST=0.0.0.0) or a LAN install chooses to listen wider.
    hostname: process.env.JTS_WEB_HOST || "127.0.0.1",
    distDir: process.env.JTS_WEB_DIST ?? join(import.meta.dir, "dist"),
    gatewayUrl: process.env.JTS_GATEWAY_URL ?? "http://127.0.0.1:3000",
    trustedProxies: (process.env.JTS_WEB_TRUSTED_PROXIES ?? "").split(",").filter((a) => a.trim()),
  });
  console.log(`web: serving on port ${web.port}`);
}
