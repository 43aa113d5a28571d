import { DecimalError } from "@jts/contracts";
import { Elysia } from "elysia";
import { AppError } from "./errors.ts";
import { newId } from "./ids.ts";
import type { Logger } from "./log.ts";
import { MetricsRegistry } from "./metrics.ts";

export type ReadinessCheck = () => Promise<boolean> | boolean;

export interface ServiceAppOptions {
  name: string;
  logger: Logger;
  metrics?: MetricsRegistry;
  /** Each named dependency the service needs to do its work; /ready is 503 until all pass. */
  readiness?: Record<string, ReadinessCheck>;
  /** Largest accepted request body; bigger bodies get 413. */
  maxBodyBytes?: number;
}

interface ValidationLike {
  all?: Array<{ path?: string; message?: string; summary?: string }>;
}

/**
 * The root Elysia instance of every service: liveness, readiness, metrics,
 * request ids and the one error shape. Services chain their routes onto it, so
 * the hooks here cover every route without widening scopes.
 */
export function createServiceApp(options: ServiceAppOptions) {
  const metrics = options.metrics ?? new MetricsRegistry();
  const requests = metrics.counter("http_requests_total", "HTTP requests by route and status");
  const duration = metrics.histogram("http_request_duration_seconds", "HTTP request duration");
  const readiness = options.readiness ?? {};
  const dependencyUp = metrics.gauge("jts_dependency_up", "1 when the readiness check of a dependency passes");
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const log = options.logger;

  return new Elysia({ name: `service.${options.name}` })
    .decorate("metrics", metrics)
    .derive(({ request, set }) => {
      const requestId = request.headers.get("x-request-id")?.slice(0, 64) || newId();
      set.headers["x-request-id"] = requestId;
      return { requestId, startedAt: performance.now() };
    })
    .onRequest(({ request, set }) => {
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > maxBodyBytes) {
        set.status = 413;
        return new AppError("PAYLOAD_TOO_LARGE", `body larger than ${maxBodyBytes} bytes`).toBody();
      }
    })
    .onAfterResponse(({ request, set, route, startedAt }) => {
      const status = String(set.status ?? 200);
      requests.inc({ method: request.method, route: route ?? "unmatched", status });
      if (startedAt !== undefined)
        duration.observe((performance.now() - startedAt) / 1000, { route: route ?? "unmatched" });
    })
    .onError(({ code, error, set, request }) => {
      if (error instanceof AppError) {
        set.status = error.status;
        return error.toBody();
      }
      if (error instanceof DecimalError) {
        set.status = 422;
        return new AppError("VALIDATION", error.message).toBody();
      }
      switch (code) {
        case "VALIDATION": {
          set.status = 422;
          const all = (error as unknown as ValidationLike).all ?? [];
          const details = all.slice(0, 5).map((e) => ({ path: e.path ?? "", message: e.summary ?? e.message ?? "" }));
          const first = details[0];
          return new AppError(
            "VALIDATION",
            first ? `invalid ${first.path || "body"}: ${first.message}` : "invalid input",
            details,
          ).toBody();
        }
        case "PARSE":
          set.status = 400;
          return new AppError("BAD_REQUEST", "request body is not valid JSON").toBody();
        case "NOT_FOUND":
          set.status = 404;
          return new AppError("NOT_FOUND", `no route ${request.method} ${new URL(request.url).pathname}`).toBody();
        default:
          log.error("unhandled error", { error, url: request.url });
          set.status = 500;
          return new AppError("INTERNAL", "internal error").toBody();
      }
    })
    .get("/health", () => ({ status: "ok", service: options.name }))
    .get("/ready", async ({ set }) => {
      const checks = await runChecks(readiness);
      const ready = Object.values(checks).every(Boolean);
      set.status = ready ? 200 : 503;
      return { status: ready ? "ready" : "not-ready", service: options.name, checks };
    })
    .get("/metrics", async ({ set }) => {
      // Each scrape runs the readiness checks, so "database down" is an alert rule
      // (host/docker/prometheus/alerts.yml) on what the services themselves see.
      for (const [name, up] of Object.entries(await runChecks(readiness)))
        dependencyUp.set(up ? 1 : 0, { dependency: name });
      set.headers["content-type"] = "text/plain; version=0.0.4; charset=utf-8";
      return metrics.render();
    });
}

async function runChecks(readiness: Record<string, ReadinessCheck>): Promise<Record<string, boolean>> {
  const checks: Record<string, boolean> = {};
  await Promise.all(
    Object.entries(readiness).map(async ([name, check]) => {
      checks[name] = await Promise.resolve()
        .then(check)
        .catch(() => false);
    }),
  );
  return checks;
}
