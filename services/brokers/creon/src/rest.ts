import {
  type Cost,
  credentialTag,
  type HttpMethod,
  RateGate,
  VenueError,
  type VenueErrorKind,
  VenueHttpClient,
  type VenueHttpOptions,
  type VenueMetrics,
} from "@jts/broker-kit";
import type { Cache, RateLimiter } from "@jts/contracts";
import { compile, type Logger, type Validator } from "@jts/kit";
import { type Static, type TSchema, Type as t } from "@sinclair/typebox";
import { signedHeaders } from "./auth.ts";
import { CREON_LIMITS, CREON_VENUE } from "./constants.ts";
import {
  BalanceReply,
  BridgeError,
  BridgeOrder,
  CancelAccepted,
  type CancelRequest,
  HealthReply,
  type ModifyRequest,
  OrderAccepted,
  type OrderRequest,
  QuoteReply,
} from "./parse.ts";

const TRADE: readonly Cost[] = [{ group: "trade" }];
const QUERY: readonly Cost[] = [{ group: "query" }];
/** GET /v1/health makes no Creon request, so it costs none of Creon's budgets. */
const FREE: readonly Cost[] = [];

/** Answers the OMS can act on as a refusal; limits spent and a bad signature surface as errors to retry. */
const REFUSALS = new Set(["ORDER_REFUSED", "BAD_REQUEST", "UNKNOWN_ORDER", "NOT_CONNECTED"]);
const LIMITS_SPENT = new Set(["ORDER_LIMIT", "QUERY_LIMIT"]);

const validators = {
  accepted: compile(OrderAccepted),
  cancel: compile(CancelAccepted),
  order: compile(BridgeOrder),
  orders: compile(t.Array(BridgeOrder)),
  balance: compile(BalanceReply),
  quote: compile(QuoteReply),
  health: compile(HealthReply),
  error: compile(BridgeError),
};

/**
 * The bridge's error body (BRIDGE.md) to the kit's kinds: a spent Creon limit
 * is a rate-limit refusal with the bridge's `retryAfterMs`; Creon's own
 * refusals (NOT_CONNECTED too: the HTS is logged out, nothing was sent) are
 * `rejected`; UNAUTHORIZED did nothing and may pass once the clock or secret is right.
 */
export function bridgeErrorOf(
  status: number,
  body: unknown,
): { code?: string; message: string; kind?: VenueErrorKind; retryAfterMs?: number } {
  let error: BridgeError["error"];
  try {
    error = validators.error.parse(body).error;
  } catch {
    return { code: "INTERNAL", message: `INTERNAL: HTTP ${status} without an error body` };
  }
  const message = `${error.code}: ${error.message}`;
  if (LIMITS_SPENT.has(error.code))
    return { code: error.code, message, kind: "rate-limited", retryAfterMs: error.retryAfterMs };
  if (REFUSALS.has(error.code)) return { code: error.code, message, kind: "rejected" };
  if (error.code === "UNAUTHORIZED") return { code: error.code, message, kind: "unavailable" };
  return { code: error.code, message };
}

export interface CreonBridgeClientOptions {
  baseUrl: string;
  secret: string;
  limiter: RateLimiter;
  /** Shares a pause the bridge asked for with the other replicas. */
  cache?: Cache;
  logger: Logger;
  fetch?: VenueHttpOptions["fetch"];
  sleep?: (ms: number) => Promise<void>;
  /** Tries after a QUERY_LIMIT/ORDER_LIMIT answer before giving up. */
  maxRetries?: number;
  /** Counts the gate's pauses (jts_rate_limit_pauses_total). */
  metrics?: VenueMetrics;
}

/** Signed HTTP to the bridge (BRIDGE.md) on the kit's client, inside Creon's limits shared by every replica. */
export class CreonBridgeClient {
  private readonly http: VenueHttpClient;

  constructor(options: CreonBridgeClientOptions) {
    const login = credentialTag(options.baseUrl);
    const gate = new RateGate(options.limiter, {
      venue: CREON_VENUE,
      limits: CREON_LIMITS,
      accountId: login,
      ipId: login,
      cache: options.cache,
      sleep: options.sleep,
      metrics: options.metrics,
    });
    this.http = new VenueHttpClient({
      venue: CREON_VENUE,
      baseUrl: options.baseUrl,
      gate,
      // The signature covers the path with its query and the exact body text.
      sign: (request) => {
        const path = request.queryString ? `${request.path}?${request.queryString}` : request.path;
        Object.assign(request.headers, signedHeaders(options.secret, request.method, path, request.bodyText ?? ""));
      },
      errorOf: bridgeErrorOf,
      retries: options.maxRetries ?? 3,
      fetch: options.fetch,
      logger: options.logger,
    });
  }

  /** Calls waiting for Creon's limits give up, and no new call is made (shutdown, end of a load run). */
  close(): void {
    this.http.close();
  }

  placeOrder(request: OrderRequest) {
    return this.call("POST", "/v1/orders", TRADE, validators.accepted, request);
  }

  cancelOrder(orderNumber: string, request: CancelRequest) {
    return this.call("POST", `/v1/orders/${orderNumber}/cancel`, TRADE, validators.cancel, request);
  }

  /** Same answer shape as a cancel: the new order number and the original's. */
  modifyOrder(orderNumber: string, request: ModifyRequest) {
    return this.call("POST", `/v1/orders/${orderNumber}/modify`, TRADE, validators.cancel, request);
  }

  async getOrder(orderNumber: string): Promise<Static<typeof BridgeOrder> | null> {
    try {
      return await this.call("GET", `/v1/orders/${encodeURIComponent(orderNumber)}`, TRADE, validators.order);
    } catch (error) {
      if (error instanceof VenueError && error.details.code === "UNKNOWN_ORDER") return null;
      throw error;
    }
  }

  openOrders() {
    return this.call("GET", "/v1/orders", TRADE, validators.orders, undefined, { open: "true" });
  }

  /** Today's order JTS sent under `clientOrderId` (our order id), or null when Creon has none: the lookup of a place whose answer was lost. */
  async findOrder(clientOrderId: string): Promise<Static<typeof BridgeOrder> | null> {
    try {
      return await this.call("GET", "/v1/orders", TRADE, validators.order, undefined, { clientOrderId });
    } catch (error) {
      if (error instanceof VenueError && error.details.code === "UNKNOWN_ORDER") return null;
      throw error;
    }
  }

  balance() {
    return this.call("GET", "/v1/balance", TRADE, validators.balance);
  }

  health() {
    return this.call("GET", "/v1/health", FREE, validators.health);
  }

  /** The bridge host's clock, ms since the epoch, from /v1/health (what the offset metric measures against). */
  async serverTime(): Promise<number> {
    const { time } = await this.health();
    if (time === undefined) throw new VenueError(CREON_VENUE, "malformed", "the bridge's /v1/health reports no time");
    return time;
  }

  quote(code: string) {
    return this.call("GET", `/v1/quotes/${encodeURIComponent(code)}`, QUERY, validators.quote);
  }

  private async call<S extends TSchema>(
    method: HttpMethod,
    path: string,
    costs: readonly Cost[],
    validator: Validator<S>,
    body?: object,
    query?: Record<string, string>,
  ): Promise<Static<S>> {
    const answer = await this.http.request({
      method,
      path,
      query,
      body: body as Record<string, unknown> | undefined,
      costs,
      signed: true,
    });
    try {
      return validator.parse(answer);
    } catch (error) {
      throw new VenueError(CREON_VENUE, "malformed", `${path}: ${(error as Error).message}`);
    }
  }
}
