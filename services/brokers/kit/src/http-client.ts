import type { Logger } from "@jts/kit";
import type { HttpDateClock } from "./clock.ts";
import { retryAfterMs, VenueError, type VenueErrorKind } from "./errors.ts";
import type { Cost, RateGate } from "./rate-gate.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";
export type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];

export interface VenueRequest {
  method: HttpMethod;
  path: string;
  /** Sent in the URL, in this order (signatures cover the exact string). */
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: Record<string, unknown>;
  costs: readonly Cost[];
  signed?: boolean;
  /** Extra headers (an API key on calls that need the key but no signature). */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** What a signer sees and may change: it appends a signature to `queryString` or sets headers. */
export interface OutgoingRequest {
  method: HttpMethod;
  path: string;
  queryString: string;
  bodyText: string | undefined;
  headers: Record<string, string>;
}

export interface VenueHttpOptions {
  venue: string;
  baseUrl: string;
  gate: RateGate;
  /** Signs a request marked `signed` (adds timestamp and signature, or a bearer token). */
  sign?: (request: OutgoingRequest) => void;
  /** Reads the venue's own usage headers (X-MBX-USED-WEIGHT-1M, Remaining-Req) after every answer. */
  onUsage?: (headers: Headers) => void;
  /**
   * The venue's error body to a code and message. `kind` overrides the kind the
   * status implies, for venues that say "too many requests" or "refused" with
   * another status (KIS: HTTP 500 with EGW00201); `retryAfterMs` is a wait the
   * body asks for (the Creon bridge's `retryAfterMs`).
   */
  errorOf?: (
    status: number,
    body: unknown,
  ) => { code?: string | number; message: string; kind?: VenueErrorKind; retryAfterMs?: number };
  /** Pause when a rate-limit refusal names no wait. */
  defaultBackoffMs?: number;
  /** Each further refusal of one call multiplies that pause by this (KIS: 2); default 1. */
  backoffFactor?: number;
  /** Longest pause the factor may grow to; default 30 s. */
  maxBackoffMs?: number;
  /** Times a refused-before-processing call (429, or 5xx/timeout on a read) is tried again. Default 2. */
  retries?: number;
  timeoutMs?: number;
  /** Reads the venue's clock off every answer's Date header (venues without a time endpoint). */
  dateClock?: Pick<HttpDateClock, "observe">;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  logger?: Logger;
}

/** Encodes in insertion order, arrays as repeated `key[]=v` (Upbit) unless the key already ends in []. */
export function encodeQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return "";
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      const name = key.endsWith("[]") ? key : `${key}[]`;
      for (const item of value) parts.push(`${name}=${encodeURIComponent(String(item))}`);
    } else parts.push(`${key}=${encodeURIComponent(String(value))}`);
  }
  return parts.join("&");
}

/**
 * The plumbing every venue's REST client shares: rate gate first, then sign,
 * send with a timeout, read usage headers back, and turn failures into
 * VenueErrors. 429/418 pause the whole gate for Retry-After; a 429 (refused
 * before anything happened) is retried after the pause, a 418 is not.
 */
export class VenueHttpClient {
  private readonly fetch: (input: string, init: RequestInit) => Promise<Response>;
  readonly stats = { requests: 0, rateLimited: 0, banned: 0, retries: 0 };

  constructor(private readonly options: VenueHttpOptions) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Stops admitting calls through this client's rate gate (shared with whoever else holds the gate): shutdown, end of a load run. */
  close(): void {
    this.options.gate.close();
  }

  async request<T = unknown>(request: VenueRequest): Promise<T> {
    return (await this.exchange<T>(request)).body;
  }

  /** `request` with the answer's headers too (paging markers such as KIS's `tr_cont`). */
  async exchange<T = unknown>(request: VenueRequest): Promise<{ body: T; headers: Headers }> {
    const retries = this.options.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(request, attempt);
      } catch (error) {
        const retry =
          error instanceof VenueError &&
          attempt < retries &&
          (error.kind === "rate-limited" || (error.kind === "unavailable" && request.method === "GET"));
        if (!retry) throw error;
        this.stats.retries++;
        this.options.logger?.warn("venue call retried", { path: request.path, attempt, kind: error.kind });
      }
    }
  }

  private async once<T>(request: VenueRequest, attempt: number): Promise<{ body: T; headers: Headers }> {
    const { venue } = this.options;
    await this.options.gate.acquire(request.costs);
    const outgoing: OutgoingRequest = {
      method: request.method,
      path: request.path,
      queryString: encodeQuery(request.query),
      bodyText: request.body === undefined ? undefined : JSON.stringify(request.body),
      headers: {
        ...(request.body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
        ...request.headers,
      },
    };
    if (request.signed) {
      if (!this.options.sign) throw new VenueError(venue, "rejected", "signed call without credentials");
      this.options.sign(outgoing);
    }
    const url = `${this.options.baseUrl}${outgoing.path}${outgoing.queryString ? `?${outgoing.queryString}` : ""}`;
    const timeoutMs = request.timeoutMs ?? this.options.timeoutMs ?? 10_000;
    this.stats.requests++;
    let response: Response;
    let text: string;
    try {
      const sentMs = Date.now();
      response = await this.fetch(url, {
        method: outgoing.method,
        headers: outgoing.headers,
        body: outgoing.bodyText,
        signal: AbortSignal.timeout(timeoutMs),
      });
      this.options.dateClock?.observe(response.headers.get("date"), sentMs, Date.now());
      text = await response.text();
    } catch (error) {
      const timedOut = (error as Error).name === "TimeoutError" || (error as Error).name === "AbortError";
      const kind = request.method === "GET" || !timedOut ? "unavailable" : "unknown-outcome";
      // A refused connection never reached the venue; a timed-out write may have.
      throw new VenueError(venue, kind, `${request.method} ${request.path}: ${(error as Error).message}`);
    }
    this.options.onUsage?.(response.headers);
    let body: unknown;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      if (response.ok) throw new VenueError(venue, "malformed", `unparsable answer to ${request.path}`);
      body = text;
    }
    if (response.ok) return { body: body as T, headers: response.headers };
    const described = this.options.errorOf?.(response.status, body) ?? { message: text.slice(0, 200) };
    const kind =
      response.status === 429
        ? "rate-limited"
        : response.status === 418
          ? "banned"
          : (described.kind ??
            (response.status >= 500 ? (request.method === "GET" ? "unavailable" : "unknown-outcome") : "rejected"));
    if (kind === "rate-limited" || kind === "banned") {
      const waitMs =
        described.retryAfterMs ?? retryAfterMs(response.headers.get("retry-after"), this.backoffMs(attempt));
      await this.options.gate.pauseFor(waitMs, kind === "banned" ? "418" : "429");
      if (kind === "banned") this.stats.banned++;
      else this.stats.rateLimited++;
      this.options.logger?.warn(kind === "banned" ? "venue banned this IP" : "venue rate-limited", {
        retryAfterMs: waitMs,
        code: described.code,
      });
      throw new VenueError(venue, kind, `HTTP ${response.status}${described.code ? ` ${described.code}` : ""}`, {
        status: response.status,
        code: described.code,
        retryAfterMs: waitMs,
      });
    }
    throw new VenueError(venue, kind, described.message, { status: response.status, code: described.code });
  }

  /** The pause after the `attempt`-th refusal of one call when the venue names no wait. */
  private backoffMs(attempt: number): number {
    const { defaultBackoffMs = 1_000, backoffFactor = 1, maxBackoffMs = 30_000 } = this.options;
    return Math.min(defaultBackoffMs * backoffFactor ** attempt, maxBackoffMs);
  }
}
