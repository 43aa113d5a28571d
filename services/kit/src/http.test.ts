import { describe, expect, it } from "bun:test";
import { t } from "elysia";
import { AppError } from "./errors.ts";
import { createServiceApp } from "./http.ts";
import { createLogger } from "./log.ts";
import { readJson } from "./testing/json.ts";

const silent = createLogger({}, "error", () => {});

function app(ready = true) {
  return createServiceApp({ name: "demo", logger: silent, readiness: { db: () => ready }, maxBodyBytes: 100 })
    .post("/echo", ({ body }) => body, { body: t.Object({ n: t.Integer() }) })
    .get("/conflict", () => {
      throw new AppError("CONFLICT", "taken", { id: 1 });
    })
    .get("/boom", () => {
      throw new Error("secret internals");
    });
}

const url = (path: string) => `http://localhost${path}`;

describe("service app", () => {
  it("answers /health with 200", async () => {
    const res = await app().handle(new Request(url("/health")));
    expect(res.status).toBe(200);
    expect(await readJson(res)).toEqual({ status: "ok", service: "demo" });
  });

  it("answers /ready 503 while a dependency check fails", async () => {
    expect((await app(true).handle(new Request(url("/ready")))).status).toBe(200);
    const res = await app(false).handle(new Request(url("/ready")));
    expect(res.status).toBe(503);
    expect((await readJson(res)).checks).toEqual({ db: false });
  });

  it("exports each readiness check as jts_dependency_up on /metrics, a throwing check as down", async () => {
    expect(await (await app(true).handle(new Request(url("/metrics")))).text()).toContain(
      'jts_dependency_up{dependency="db"} 1',
    );
    expect(await (await app(false).handle(new Request(url("/metrics")))).text()).toContain(
      'jts_dependency_up{dependency="db"} 0',
    );
    const throwing = createServiceApp({
      name: "demo",
      logger: silent,
      readiness: {
        db: () => {
          throw new Error("connection refused");
        },
      },
    });
    expect(await (await throwing.handle(new Request(url("/metrics")))).text()).toContain(
      'jts_dependency_up{dependency="db"} 0',
    );
  });

  it("maps a schema violation to 422 with the error shape", async () => {
    const res = await app().handle(
      new Request(url("/echo"), { method: "POST", headers: { "content-type": "application/json" }, body: '{"n":"x"}' }),
    );
    expect(res.status).toBe(422);
    const body = await readJson(res);
    expect(body.error.code).toBe("VALIDATION");
    expect(body.error.details[0].path).toBe("/n");
  });

  it("maps malformed JSON to 400", async () => {
    const res = await app().handle(
      new Request(url("/echo"), { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" }),
    );
    expect(res.status).toBe(400);
    expect((await readJson(res)).error.code).toBe("BAD_REQUEST");
  });

  it("refuses a body above the size limit with 413", async () => {
    const body = JSON.stringify({ n: 1, pad: "x".repeat(200) });
    const res = await app().handle(
      new Request(url("/echo"), {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(body.length) },
        body,
      }),
    );
    expect(res.status).toBe(413);
  });

  it("maps domain errors to their status and hides internal ones", async () => {
    const conflict = await app().handle(new Request(url("/conflict")));
    expect(conflict.status).toBe(409);
    expect(await readJson(conflict)).toEqual({ error: { code: "CONFLICT", message: "taken", details: { id: 1 } } });
    const boom = await app().handle(new Request(url("/boom")));
    expect(boom.status).toBe(500);
    expect(JSON.stringify(await readJson(boom))).not.toContain("secret internals");
  });

  it("answers an unknown route with 404 in the error shape", async () => {
    const res = await app().handle(new Request(url("/nope")));
    expect(res.status).toBe(404);
    expect((await readJson(res)).error.code).toBe("NOT_FOUND");
  });

  it("echoes or creates a request id", async () => {
    const given = await app().handle(new Request(url("/health"), { headers: { "x-request-id": "abc" } }));
    expect(given.headers.get("x-request-id")).toBe("abc");
    const created = await app().handle(new Request(url("/health")));
    expect(created.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("exposes request counters in Prometheus text format", async () => {
    const a = app();
    await a.handle(new Request(url("/health")));
    await Bun.sleep(1); // counters are written after the response is sent
    const res = await a.handle(new Request(url("/metrics")));
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("# TYPE http_requests_total counter");
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/health",status="200"\} 1/);
  });
});
