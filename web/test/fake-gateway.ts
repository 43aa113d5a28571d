import { afterEach } from "bun:test";
import type { StrategyKindInfo } from "@jts/contracts";

/** One request a screen made: what `fakeGateway` records. */
export interface GatewayCall {
  method: string;
  path: string;
  body: unknown;
}

/**
 * Puts a recording fetch in place of the gateway, so a screen goes through the
 * real api.ts (Eden): `calls` holds what it was asked (emptied after each
 * test), `answer` what it says (a 500 until a test sets it). Call it after
 * `useDom()`, which puts the real fetch back after the file.
 */
export function fakeGateway() {
  const gateway = {
    calls: [] as GatewayCall[],
    answer: ((_method: string, _path: string, _body: unknown) => new Response("none", { status: 500 })) as (
      method: string,
      path: string,
      body: unknown,
    ) => Response,
  };
  globalThis.fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(
      typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
      location.href,
    );
    const method = init.method ?? "GET";
    const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
    gateway.calls.push({ method, path: url.pathname, body });
    return gateway.answer(method, url.pathname, body);
  }) as typeof fetch;
  afterEach(() => {
    gateway.calls = [];
  });
  return gateway;
}

/** The socket as a screen uses it: handlers per channel, fed by the test. */
export function fakeLive() {
  const handlers = new Map<string, (data: unknown) => void>();
  const live = {
    subscribe(channel: string, handler: (data: unknown) => void) {
      handlers.set(channel, handler);
      return () => handlers.delete(channel);
    },
  };
  return { live: live as never, handlers };
}

/** `GET /api/strategies/kinds` with the moving-average crossover only. */
export const MA_CROSSOVER_KINDS: StrategyKindInfo[] = [
  {
    kind: "ma-crossover",
    description: "Moving-average crossover",
    params: {
      type: "object",
      required: ["fastPeriod", "slowPeriod", "quantity"],
      properties: {
        fastPeriod: { type: "integer", minimum: 1, maximum: 500 },
        slowPeriod: { type: "integer", minimum: 2, maximum: 2000 },
        quantity: { type: "string", pattern: "^(0|[1-9][0-9]*)(\\.[0-9]+)?$" },
      },
    },
  },
];
