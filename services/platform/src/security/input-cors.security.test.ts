import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { loadConfig } from "@jts/kit";
import { platformConfigSpec } from "../config.ts";
import { bootSecurityPlatform, errorOf, type SecurityPlatform } from "./harness.ts";

// Issue 14 item 13: __proto__ on OrderRequest, CORS preflight without PATCH, localhost origins in production.
let p: SecurityPlatform;
beforeAll(async () => {
  p = await bootSecurityPlatform();
});
afterAll(() => p?.stop());

const order = '"clientOrderId":"proto-1","symbol":"BTC-KRW","side":"BUY","type":"MARKET","quantity":"0.001"';

describe("prototype keys in bodies (issue 14 item 13)", () => {
  it("refuses __proto__ on an order with 422 and places nothing", async () => {
    const res = await p.json("/api/orders", { token: p.admin, body: `{${order},"__proto__":{"strategyId":"x"}}` });
    expect(res.status).toBe(422);
    expect(errorOf(res.body)?.message).toContain('"__proto__"');
    const orders = await p.json<Array<{ clientOrderId: string }>>("/api/orders", { token: p.admin });
    expect(orders.body.some((o) => o.clientOrderId === "proto-1")).toBe(false);
  });

  it("refuses it nested and spelled with escapes, and constructor.prototype", async () => {
    const nested = await p.call("/api/risk/limits", {
      method: "PUT",
      token: p.admin,
      body: '{"limits":{"\\u005f_proto__":{"maxOrderNotional":"1"}}}',
    });
    expect(nested.status).toBe(422);
    const ctor = await p.call("/api/orders", { token: p.admin, body: `{${order},"constructor":{"prototype":{}}}` });
    expect(ctor.status).toBe(422);
  });
});

describe("CORS (issue 14 item 13)", () => {
  it("allows PATCH in the preflight of an allowed origin", async () => {
    const res = await p.call("/api/orders/x", {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "PATCH" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-methods")).toContain("PATCH");
  });

  it("allows no localhost origin by default in production", () => {
    const production = loadConfig(platformConfigSpec, {
      JTS_ENV: "production",
      JWT_SECRET: "0f8e2a7c4b9d1e6f3a5c8b0d2e4f6a1c3b5d7e9f",
      JTS_ADMIN_PASSWORD: "Tr0ub4dor-horse-Staple",
    });
    expect(production.CORS_ORIGINS).toBe("");
    expect(loadConfig(platformConfigSpec, { JTS_ENV: "development" }).CORS_ORIGINS).toContain("localhost");
  });
});
