import type { Server, ServerWebSocket } from "bun";
import { WindowMeter } from "./window-meter.ts";

export interface FakeRequest {
  method: string;
  path: string;
  /** The raw query string as sent (signatures cover it byte for byte). */
  queryString: string;
  query: URLSearchParams;
  bodyText: string;
  headers: Headers;
  /** Arrival, `performance.now()`. */
  at: number;
  /** JSON body, or null. */
  json(): Record<string, unknown> | null;
}

/** A route's answer: a body to send as JSON (200), or a full Response. */
export type FakeAnswer = unknown;

export interface FakeRoute {
  method: string;
  path: string;
  /** What the call costs, recorded in the meter before answering. */
  costs?: (request: FakeRequest) => Array<{ group: string; weight: number }>;
  /** Checked before the handler; a string is the refusal reason (answered 401), a Response is sent as is. */
  authenticate?: (request: FakeRequest) => string | Response | null;
  handle: (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;
}

/** A limit the fake enforces the way the venue does: over it, 429 with Retry-After. */
export interface FakeLimit {
  group: string;
  limit: number;
  windowMs: number;
}

/**
 * How one call goes wrong. The last three are the unknown outcomes of a
 * place: "timeout" answers late (the call is carried out after the caller
 * gave up: placed late), "drop-answer" carries the call out at once and loses
 * the answer (the connection breaks mid-body), and "error" with `delayMs`
 * answers late with an error without carrying the call out (refused late).
 */
export type Misbehaviour =
  | { kind: "429"; retryAfterS?: number }
  | { kind: "418"; retryAfterS?: number }
  | { kind: "timeout"; delayMs: number }
  | { kind: "malformed" }
  | { kind: "error"; status: number; body: unknown; delayMs?: number }
  | { kind: "drop-answer" };

export interface SocketData {
  path: string;
  query: URLSearchParams;
  /** The upgrade request's headers (private sockets authenticate with them). */
  headers: Headers;
}

export interface FakeSocketHandler {
  path: string;
  onOpen?: (socket: ServerWebSocket<SocketData>) => void;
  onMessage?: (socket: ServerWebSocket<SocketData>, text: string) => void;
}

export interface FakeVenueOptions {
  routes?: FakeRoute[];
  sockets?: FakeSocketHandler[];
  limits?: FakeLimit[];
  /** Adds the venue's usage headers to every answer. */
  usageHeaders?: (venue: FakeVenue, request: FakeRequest) => Record<string, string>;
  /** The venue's clock runs this far ahead of the machine's: its answers' Date headers say so. */
  clockSkewMs?: number;
}

/**
 * The base of every fake venue: HTTP and WebSocket on 127.0.0.1, port 0. It
 * verifies signatures (per route), counts weight per window in a WindowMeter
 * (the referee of the rate-limit proofs), enforces the venue's limits with
 * 429, and misbehaves on demand: 429, 418, slow answers, malformed bodies,
 * dropped sockets, malformed frames.
 */
export class FakeVenue {
  readonly meter = new WindowMeter();
  readonly requests: FakeRequest[] = [];
  readonly sockets = new Set<ServerWebSocket<SocketData>>();
  readonly counts = { http: 0, refusedAuth: 0, limited: 0, pongs: 0, socketMessages: 0 };
  /** Keep every request for assertions; off for the load proofs. */
  keepRequests = true;
  private readonly misbehaviours: Misbehaviour[] = [];
  /** Misbehaviours for one route only ("POST /api/v3/order"), used before the general ones. */
  private readonly routeMisbehaviours = new Map<string, Misbehaviour[]>();
  private server: Server<SocketData> | undefined;
  private readonly routes = new Map<string, FakeRoute>();
  /** How far ahead of the machine's clock the venue's runs (the Date header of every answer). */
  clockSkewMs: number;

  constructor(private readonly options: FakeVenueOptions = {}) {
    this.clockSkewMs = options.clockSkewMs ?? 0;
    for (const route of options.routes ?? []) this.route(route);
  }

  route(route: FakeRoute): this {
    this.routes.set(`${route.method} ${route.path}`, route);
    return this;
  }

  /** The next `times` HTTP calls misbehave this way. */
  misbehave(misbehaviour: Misbehaviour, times = 1): this {
    for (let i = 0; i < times; i++) this.misbehaviours.push(misbehaviour);
    return this;
  }

  /** The next call of `method path` misbehaves this way; other calls are untouched. */
  misbehaveOn(method: string, path: string, misbehaviour: Misbehaviour): this {
    const key = `${method} ${path}`;
    this.routeMisbehaviours.set(key, [...(this.routeMisbehaviours.get(key) ?? []), misbehaviour]);
    return this;
  }

  start(): this {
    const socketHandlers = this.options.sockets ?? [];
    this.server = Bun.serve<SocketData>({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (req, server) => {
        const url = new URL(req.url);
        const handler = socketHandlers.find((s) => url.pathname === s.path || url.pathname.startsWith(`${s.path}/`));
        if (handler && req.headers.get("upgrade")?.toLowerCase() === "websocket") {
          if (server.upgrade(req, { data: { path: url.pathname, query: url.searchParams, headers: req.headers } }))
            return undefined;
          return new Response("upgrade failed", { status: 400 });
        }
        return this.answer(req, url);
      },
      websocket: {
        open: (ws) => {
          this.sockets.add(ws);
          this.socketHandler(ws)?.onOpen?.(ws);
        },
        message: (ws, message) => {
          this.counts.socketMessages++;
          this.socketHandler(ws)?.onMessage?.(ws, typeof message === "string" ? message : message.toString());
        },
        close: (ws) => {
          this.sockets.delete(ws);
        },
        pong: () => {
          this.counts.pongs++;
        },
      },
    });
    return this;
  }

  get url(): string {
    if (!this.server) throw new Error("fake venue not started");
    return `http://127.0.0.1:${this.server.port}`;
  }

  get wsUrl(): string {
    return this.url.replace("http:", "ws:");
  }

  /** Sends a frame to every socket (on `path` when given); `binary` sends the UTF-8 bytes as a binary frame. */
  broadcast(frame: string, path?: string, binary = false): void {
    const data = binary ? Buffer.from(frame) : frame;
    for (const ws of this.sockets) if (!path || ws.data.path.startsWith(path)) ws.send(data);
  }

  /** Drops every socket without a close handshake, as a network failure would. */
  dropSockets(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  pingSockets(): void {
    for (const ws of this.sockets) ws.ping();
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.close();
    await this.server?.stop(true);
  }

  private socketHandler(ws: ServerWebSocket<SocketData>): FakeSocketHandler | undefined {
    return (this.options.sockets ?? []).find((s) => ws.data.path === s.path || ws.data.path.startsWith(`${s.path}/`));
  }

  private async answer(req: Request, url: URL): Promise<Response> {
    this.counts.http++;
    const bodyText = await req.text();
    const queryString = url.search.startsWith("?") ? url.search.slice(1) : url.search;
    const request: FakeRequest = {
      at: performance.now(),
      method: req.method,
      path: url.pathname,
      queryString,
      query: url.searchParams,
      bodyText,
      headers: req.headers,
      json: () => {
        try {
          return bodyText ? (JSON.parse(bodyText) as Record<string, unknown>) : null;
        } catch {
          return null;
        }
      },
    };
    if (this.keepRequests) this.requests.push(request);
    const route = this.routes.get(`${req.method} ${url.pathname}`);
    if (!route) return Response.json({ code: -1, msg: `no route ${req.method} ${url.pathname}` }, { status: 404 });
    const now = performance.now();
    const costs = route.costs?.(request) ?? [];
    for (const cost of costs) this.meter.record(cost.group, cost.weight, now);
    const headers = {
      date: new Date(Date.now() + this.clockSkewMs).toUTCString(),
      ...this.options.usageHeaders?.(this, request),
    };
    for (const limit of this.options.limits ?? []) {
      if (
        costs.some((c) => c.group === limit.group) &&
        this.meter.used(limit.group, limit.windowMs, now) > limit.limit
      ) {
        this.counts.limited++;
        return Response.json(
          { code: -1003, msg: "Too many requests" },
          { status: 429, headers: { ...headers, "retry-after": "1" } },
        );
      }
    }
    const trouble = this.routeMisbehaviours.get(`${req.method} ${url.pathname}`)?.shift() ?? this.misbehaviours.shift();
    if (trouble) {
      if (trouble.kind === "429" || trouble.kind === "418")
        return Response.json(
          { code: -1003, msg: trouble.kind === "418" ? "IP banned" : "Too many requests" },
          { status: Number(trouble.kind), headers: { ...headers, "retry-after": String(trouble.retryAfterS ?? 1) } },
        );
      if (trouble.kind === "timeout") await Bun.sleep(trouble.delayMs);
      if (trouble.kind === "malformed") return new Response("{not json", { status: 200, headers });
      if (trouble.kind === "error") {
        if (trouble.delayMs) await Bun.sleep(trouble.delayMs);
        return Response.json(trouble.body, { status: trouble.status, headers });
      }
    }
    if (route.authenticate) {
      const refusal = route.authenticate(request);
      if (refusal !== null) {
        this.counts.refusedAuth++;
        if (refusal instanceof Response) return refusal;
        return Response.json({ code: -1022, msg: refusal }, { status: 401, headers });
      }
    }
    try {
      const body = await route.handle(request);
      if (trouble?.kind === "drop-answer") return brokenAnswer();
      if (body instanceof Response) {
        for (const [name, value] of Object.entries(headers)) body.headers.set(name, value);
        return body;
      }
      return Response.json(body, { headers });
    } catch (error) {
      return Response.json({ code: -1, msg: (error as Error).message }, { status: 400, headers });
    }
  }
}

/** A 200 whose body breaks off: the caller's read fails as on a dropped connection, after the call took effect. */
export function brokenAnswer(): Response {
  const body = new ReadableStream({
    pull(controller) {
      controller.enqueue(new TextEncoder().encode('{"partial":'));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
}
