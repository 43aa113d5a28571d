import { describe, expect, it } from "bun:test";
import { memoryRuntime } from "@jts/kit";
import { readJson, silentLogger } from "@jts/kit/testing";
import { MemoryUserDirectory } from "./auth/users.ts";
import { createGatewayService } from "./service.ts";

const gateway = createGatewayService(memoryRuntime(silentLogger), new MemoryUserDirectory(), {
  jwtSecret: "docs-test-secret-docs-test-secret-docs",
  accessTtlSeconds: 60,
  refreshTtlSeconds: 60,
  rateLimit: 100,
  rateWindowMs: 60_000,
  loginRateLimit: 10,
  rpcTimeoutMs: 100,
  corsOrigins: ["http://localhost:5173"],
});
const get = (path: string) => gateway.app.handle(new Request(`http://localhost${path}`));

describe("API docs", () => {
  it("serves an OpenAPI 3 document of the v1 routes with bearer security", async () => {
    const res = await get("/docs/json");
    expect(res.status).toBe(200);
    const doc = await readJson(res);
    expect(doc.openapi).toStartWith("3.");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/auth/login",
        "/api/orders",
        "/api/orders/{id}",
        "/api/positions",
        "/api/risk/state",
      ]),
    );
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("serves the UI page with its assets from the gateway, not a CDN", async () => {
    const page = await (await get("/docs")).text();
    expect(page).toContain("/docs/assets/swagger-ui-bundle.js");
    expect(page).not.toMatch(/https?:\/\/(unpkg|cdn|fonts)\./);
    const bundle = await get("/docs/assets/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toContain("javascript");
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    expect((await get("/docs/assets/css.css")).status).toBe(404);
  });
});
