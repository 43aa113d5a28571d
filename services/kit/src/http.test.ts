import { describe, expect, it } from "bun:test";
import { t } from "elysia";
import { AppError } from "./errors.ts";
import { createServiceApp } from "./http.ts";

import { serviceAuthHeaders } from "./service-credential.ts";
import { readJson } from "./testing/json.ts";
import { silentLogger } from "./testing/logger.ts";

function app(ready = true) {
  return createServiceApp({ name: "demo", logger: silentLogger, readiness: { db: () => ready }, maxBodyBytes: 100 })
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
      logger: silentLogger,
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

  it("says why a dependency is not ready when its check answers with a reason", async () => {
    const res = await createServiceApp({
      name: "demo",
      logger: silentLogger,
      readiness: { db: () => true, balances: () => "the portfolio does not answer" },
    }).handle(new Request(url("/ready")));
    expect(res.status).toBe(503);
    expect(await readJson(res)).toMatchObject({
      status: "not-ready",
      checks: { db: true, balances: false },
      reasons: { balances: "the portfolio does not answer" },
    });
  });

  it("maps a schema violation to 422 with the error shape", async () => {
    const res = await app().handle(
      new Request(url("/echo"), {
        method: "POST",
        headers: { "content-type": "application/json", ...serviceAuthHeaders() },
        body: '{"n":"x"}',
      }),
    );
    expect(res.status).toBe(422);
    const body = await readJson(res);
    expect(body.error.code).toBe("VALIDATION");
    expect(body.error.details[0].path).toBe("/n");
  });

  it("maps malformed JSON to 400", async () => {
    const res = await app().handle(
      new Request(url("/echo"), {
        method: "POST",
        headers: { "content-type": "application/json", ...serviceAuthHeaders() },
        body: "{nope",
      }),
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

describe("service app: the internal plane", () => {
  const token = "internal-plane-test-credential-0123456789";
  let changed = 0;
  const guarded = (plane: "internal" | "public" = "internal") =>
    createServiceApp({ name: "demo", logger: silentLogger, plane, serviceToken: token })
      .get("/view", () => ({ changed }))
      .post("/change", () => ({ changed: ++changed }));
  const post = (headers: Record<string, string>, body?: string, path = "/change") =>
    guarded().handle(new Request(url(path), { method: "POST", headers, ...(body === undefined ? {} : { body }) }));
  const auth = { authorization: `Bearer ${token}` };

  it("serves reads without a credential and state changes only with it", async () => {
    expect((await guarded().handle(new Request(url("/view")))).status).toBe(200);
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: "Bearer wrong" })).status).toBe(401);
    expect(changed).toBe(0);
    expect((await post(auth)).status).toBe(200);
    expect(changed).toBe(1);
  });

  it("refuses a foreign Host (421), a foreign Origin (403) and a body that is not JSON (415), credential or not", async () => {
    const before = changed;
    const rebinding = await guarded().handle(new Request("http://attacker.example:3002/view"));
    expect(rebinding.status).toBe(421);
    expect((await post({ ...auth, origin: "https://evil.example" })).status).toBe(403);
    expect((await post({ ...auth, "content-type": "text/plain" }, '{"state":"ACTIVE"}')).status).toBe(415);
    expect((await post({ ...auth, "content-type": "application/x-www-form-urlencoded" }, "a=1")).status).toBe(415);
    expect(changed).toBe(before);
    // The same origin (a tool on the host) with JSON passes.
    const ok = await post({ ...auth, origin: "http://localhost:3002", "content-type": "application/json" }, "{}");
    expect(ok.status).toBe(200);
  });

  it("leaves the public plane (the gateway) to its own auth, but checks its Host too", async () => {
    const changes = (host: string) =>
      guarded("public").handle(new Request("http://127.0.0.1/change", { method: "POST", headers: { host } }));
    expect((await changes("127.0.0.1:3000")).status).toBe(200);
    // A DNS-rebound page (attacker review 5): the gateway has users of its own, but not for any Host.
    expect((await changes("gateway.example")).status).toBe(421);
  });
});

describe("service app on a real server", () => {
  it("never serves Bun's development error page: an error escaping Elysia is a bare 500 in the error shape", async () => {
    const served = app()
      .get("/missing-file", () => Bun.file("/definitely/not/here/secret.txt"))
      .listen({ port: 0, hostname: "127.0.0.1" });
    try {
      const res = await fetch(`http://127.0.0.1:${served.server?.port}/missing-file`);
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(text).not.toContain("/definitely/not/here");
      expect(text).not.toContain("<!doctype");
      expect(JSON.parse(text).error.code).toBe("INTERNAL");
    } finally {
      await served.stop();
    }
  });

  it("cuts off a chunked body past the limit by the bytes read, not content-length", async () => {
    const served = app().listen({ port: 0, hostname: "127.0.0.1" });
    try {
      const chunks = (async function* () {
        for (let i = 0; i < 64; i++) yield new Uint8Array(1024).fill(0x20);
      })();
      const res = await fetch(`http://127.0.0.1:${served.server?.port}/echo`, {
        method: "POST",
        // With the credential, so only the body's size can refuse it (the internal plane answers 401 first otherwise).
        headers: { "content-type": "application/json", ...serviceAuthHeaders() },
        body: chunks as unknown as ReadableStream,
      });
      expect(res.status).toBe(413);
    } finally {
      await served.stop();
    }
  });
});
