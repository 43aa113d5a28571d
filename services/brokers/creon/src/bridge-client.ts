import { admit, credentialTag, type Fetcher, realSleep, type Sleep } from "@jts/broker-kis";
import type { RateLimiter, SlidingWindowSpec } from "@jts/contracts";
import { compile, type Logger, type Validator } from "@jts/kit";
import { type Static, type TSchema, Type as t } from "@sinclair/typebox";
import {
  BalanceReply,
  BridgeError,
  BridgeOrder,
  CancelAccepted,
  type CancelRequest,
  OrderAccepted,
  type OrderRequest,
  QuoteReply,
} from "./protocol.ts";
import { signedHeaders } from "./signing.ts";

/**
 * Creon's request limits, kept on the Linux side so a refusal never reaches
 * the HTS. 100 ms of guard on each 15 s window absorbs the delay between
 * admission here and the call on the Windows host.
 */
export const CREON_LIMITS = {
  trade: [{ name: "trade", limit: 20, windowMs: 15_100 }],
  query: [{ name: "query", limit: 60, windowMs: 15_100 }],
} as const satisfies Record<string, SlidingWindowSpec[]>;

export type LimitGroup = keyof typeof CREON_LIMITS;

export class CreonBridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(`Creon bridge ${code}: ${message}`);
    this.name = "CreonBridgeError";
  }
}

export interface CreonBridgeClientOptions {
  baseUrl: string;
  secret: string;
  limiter: RateLimiter;
  logger: Logger;
  fetch?: Fetcher;
  sleep?: Sleep;
  /** Tries after a QUERY_LIMIT/ORDER_LIMIT answer before giving up. */
  maxRetries?: number;
}

const validators = {
  accepted: compile(OrderAccepted),
  cancel: compile(CancelAccepted),
  order: compile(BridgeOrder),
  orders: compile(t.Array(BridgeOrder)),
  balance: compile(BalanceReply),
  quote: compile(QuoteReply),
  error: compile(BridgeError),
};

/** Signed HTTP to the bridge (BRIDGE.md), inside Creon's limits shared by every replica. */
export class CreonBridgeClient {
  private readonly fetch: Fetcher;
  private readonly sleep: Sleep;
  private readonly limiterKey: string;

  constructor(private readonly options: CreonBridgeClientOptions) {
    this.fetch = options.fetch ?? ((request) => fetch(request));
    this.sleep = options.sleep ?? realSleep;
    // One budget per Creon login: the bridge URL identifies the Windows host and its HTS.
    this.limiterKey = `creon:${credentialTag(options.baseUrl)}`;
  }

  placeOrder(request: OrderRequest) {
    return this.call("POST", "/v1/orders", "trade", validators.accepted, request);
  }

  cancelOrder(orderNumber: string, request: CancelRequest) {
    return this.call("POST", `/v1/orders/${orderNumber}/cancel`, "trade", validators.cancel, request);
  }

  async getOrder(orderNumber: string): Promise<Static<typeof BridgeOrder> | null> {
    try {
      return await this.call("GET", `/v1/orders/${encodeURIComponent(orderNumber)}`, "trade", validators.order);
    } catch (error) {
      if (error instanceof CreonBridgeError && error.code === "UNKNOWN_ORDER") return null;
      throw error;
    }
  }

  openOrders() {
    return this.call("GET", "/v1/orders?open=true", "trade", validators.orders);
  }

  balance() {
    return this.call("GET", "/v1/balance", "trade", validators.balance);
  }

  quote(code: string) {
    return this.call("GET", `/v1/quotes/${encodeURIComponent(code)}`, "query", validators.quote);
  }

  private async call<S extends TSchema>(
    method: "GET" | "POST",
    path: string,
    group: LimitGroup,
    validator: Validator<S>,
    payload?: unknown,
  ): Promise<Static<S>> {
    const body = payload === undefined ? "" : JSON.stringify(payload);
    const maxRetries = this.options.maxRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      await admit(this.options.limiter, `${this.limiterKey}:${group}`, CREON_LIMITS[group], this.sleep);
      const response = await this.fetch(
        new Request(`${this.options.baseUrl}${path}`, {
          method,
          headers: {
            ...signedHeaders(this.options.secret, method, path, body),
            ...(body ? { "content-type": "application/json" } : {}),
          },
          body: body || undefined,
        }),
      );
      const json = await response.json().catch(() => null);
      if (response.ok) return validator.parse(json);
      const error = this.errorOf(response.status, json);
      const limited = error.code === "ORDER_LIMIT" || error.code === "QUERY_LIMIT";
      if (!limited || attempt >= maxRetries) throw error;
      this.options.logger.warn("Creon request limit reached at the bridge", { code: error.code, path, attempt });
      await this.sleep(error.retryAfterMs ?? 1000);
    }
  }

  private errorOf(status: number, json: unknown): CreonBridgeError {
    try {
      const { error } = validators.error.parse(json);
      return new CreonBridgeError(error.code, error.message, status, error.retryAfterMs);
    } catch {
      return new CreonBridgeError("INTERNAL", `HTTP ${status} without an error body`, status);
    }
  }
}
