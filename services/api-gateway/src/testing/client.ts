import { readJson } from "@jts/kit/testing";
import type { GatewaySettings } from "../config.ts";

/** Gateway settings for in-process route tests: short-lived tokens, limits no test reaches. */
export function gatewayTestSettings(jwtSecret: string, overrides: Partial<GatewaySettings> = {}): GatewaySettings {
  return {
    jwtSecret,
    accessTtlSeconds: 600,
    refreshTtlSeconds: 600,
    rateLimit: 1000,
    rateWindowMs: 60_000,
    loginRateLimit: 50,
    rpcTimeoutMs: 500,
    corsOrigins: [],
    ...overrides,
  };
}

interface HandlesRequests {
  app: { handle(request: Request): Promise<Response> };
}

/** Calls a gateway's routes in process, as a signed-in client does: JSON bodies, a bearer token. */
export function gatewayClient(gateway: HandlesRequests) {
  const request = (path: string, token: string, method = "GET", body?: unknown) =>
    gateway.app.handle(
      new Request(`http://localhost${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
  const login = async (username: string, password: string): Promise<string> => {
    const res = await gateway.app.handle(
      new Request("http://localhost/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password }),
      }),
    );
    return (await readJson(res)).accessToken;
  };
  return { request, login };
}
