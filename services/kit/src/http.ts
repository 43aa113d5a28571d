import { DecimalError } from "@jts/contracts";
import { type AnyElysia, Elysia } from "elysia";
import { AppError } from "./errors.ts";
import { newId } from "./ids.ts";
import { allowedHostsFromEnv, hostRefusal, internalPlaneRefusal } from "./internal-plane.ts";
import type { Logger } from "./log.ts";
import { type CounterSeries, type HistogramSeries, MetricsRegistry } from "./metrics.ts";
import { serviceCredential } from "./service-credential.ts";

/** Ready or not; a string means "not ready", and says why (shown under `reasons` in /ready). */
export type Readiness = boolean | string;
export type ReadinessCheck = () => Promise<Readiness> | Readiness;

export interface ServiceAppOptions {
  name: string;
  logger: Logger;
  metrics?: MetricsRegistry;
  /** Each named dependency the service needs to do its work; /ready is 503 until all pass. */
  readiness?: Record<string, ReadinessCheck>;
  /** Largest accepted request body; bigger bodies get 413. */
  maxBodyBytes?: number;
  /**
   * "internal" (default): a service's own port, guarded by the internal-plane
   * rules (Host check, service credential and CSRF checks on state changes;
   * internal-plane.ts). "public": the gateway, which has users of its own; it
   * checks Host only (421), so a DNS-rebinding page cannot reach it either.
   */
  plane?: "internal" | "public";
  /** The service credential state changes must carry; this process's by default. */
  serviceToken?: string;
  /** Host names the port answers for; loopback, JTS_HOST and JTS_ALLOWED_HOSTS by default. */
  allowedHosts?: ReadonlySet<string>;
  /** Largest WebSocket frame; Bun closes the socket (1009) past it instead of buffering it. */
  maxWsFrameBytes?: number;
}

/** The default body cap of every service, declared or chunked. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * Bun's server settings for every service. `maxRequestBodySize` counts the bytes
 * actually read, so a chunked body without content-length is cut off too (Bun
 * answers 413 itself, without a body). `development: false` because Bun's
 * development error page shows absolute paths and stacks; `error` is the last
 * resort for an error that escapes Elysia (a lazy file body that fails while it
 * is sent).
 */
function serveOptions(maxBodyBytes: number, log: Logger) {
  return {
    maxRequestBodySize: maxBodyBytes,
    development: false,
    error(error: Error) {
      log.error("unhandled server error", { error });
      return Response.json(new AppError("INTERNAL", "internal error").toBody(), { status: 500 });
    },
  };
}

interface ValidationLike {
  all?: Array<{ path?: string; message?: string; summary?: string }>;
}

/**
 * Whether the request's URL is absolute. Bun builds it from the Host header; an
 * HTTP/1.0 request without one has only its path, which every `new URL(request.url)`
 * downstream would throw on: such a request gets 400 before anything reads it.
 */
export function hasAbsoluteUrl(request: Request): boolean {
  return URL.canParse(request.url);
}

/** `map`'s entry for `key`, made and kept the first time. */
function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** The registry a createServiceApp app renders on /metrics (undefined for any other app). */
export function metricsOf(app: AnyElysia): MetricsRegistry | undefined {
  const metrics = (app.decorator as Record<string, unknown>).metrics;
  return metrics instanceof MetricsRegistry ? metrics : undefined;
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
  // Every request counts under its method, route pattern and status: the label sets are few, so each
  // is bound once (its label key built once) and a request costs three map lookups on strings Elysia
  // keeps (the method, the route pattern) and the status number, not a label key per metric.
  type RequestSeries = { requests: CounterSeries; duration: HistogramSeries };
  const seriesByRequest = new Map<string, Map<string, Map<number | string, RequestSeries>>>();
  const requestSeries = (method: string, route: string, status: number | string): RequestSeries => {
    const byRoute = entryOf(seriesByRequest, method, () => new Map());
    const byStatus = entryOf(byRoute, route, () => new Map());
    return entryOf(byStatus, status, () => ({
      requests: requests.bind({ method, route, status: String(status) }),
      duration: duration.bind({ route }),
    }));
  };
  const dependencyUp = metrics.gauge("jts_dependency_up", "1 when the readiness check of a dependency passes");
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.logger;
  const allowedHosts = options.allowedHosts ?? allowedHostsFromEnv();
  const plane =
    (options.plane ?? "internal") === "internal"
      ? { token: options.serviceToken ?? serviceCredential(), allowedHosts }
      : null;
  const root = new Elysia({
    name: `service.${options.name}`,
    serve: serveOptions(maxBodyBytes, log),
    websocket: { maxPayloadLength: options.maxWsFrameBytes ?? DEFAULT_MAX_BODY_BYTES },
  });

  return root
    .decorate("metrics", metrics)
    .derive(({ request, set }) => {
      const requestId = request.headers.get("x-request-id")?.slice(0, 64) || newId();
      set.headers["x-request-id"] = requestId;
      return { requestId, startedAt: performance.now() };
    })
    .onRequest(({ request, set }) => {
      // HTTP/1.0 without Host: Bun's request.url is then just the path, and `new URL` throws (a 500).
      if (!hasAbsoluteUrl(request)) {
        set.status = 400;
        return new AppError("BAD_REQUEST", "a request needs a Host header").toBody();
      }
    })
    .onRequest(({ request, set }) => {
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > maxBodyBytes) {
        set.status = 413;
        return new AppError("PAYLOAD_TOO_LARGE", `body larger than ${maxBodyBytes} bytes`).toBody();
      }
    })
    .onRequest(({ request, set }) => {
      // The internal plane (internal-plane.ts): Host, then Origin, content type and credential on state changes.
      // The public plane (the gateway) checks Host only: it has users, CORS and limits of its own.
      const refusal = plane ? internalPlaneRefusal(request, plane) : hostRefusal(request, allowedHosts);
      if (refusal) {
        set.status = refusal.status;
        return refusal.toBody();
      }
    })
    .onAfterResponse(({ request, set, route, startedAt }) => {
      const series = requestSeries(request.method, route ?? "unmatched", set.status ?? 200);
      series.requests.inc();
      if (startedAt !== undefined) series.duration.observe((performance.now() - startedAt) / 1000);
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
      const { checks, reasons } = await runChecks(readiness);
      const ready = Object.values(checks).every(Boolean);
      set.status = ready ? 200 : 503;
      return {
        status: ready ? "ready" : "not-ready",
        service: options.name,
        checks,
        ...(Object.keys(reasons).length > 0 ? { reasons } : {}),
      };
    })
    .get("/metrics", async ({ set }) => {
      // Each scrape runs the readiness checks, so "database down" is an alert rule
      // (host/docker/prometheus/alerts.yml) on what the services themselves see.
      for (const [name, up] of Object.entries((await runChecks(readiness)).checks))
        dependencyUp.set(up ? 1 : 0, { dependency: name });
      await metrics.collect();
      set.headers["content-type"] = "text/plain; version=0.0.4; charset=utf-8";
      return metrics.render();
    });
}

/** Every readiness check at once: passed or not, and why not where a check says (a string). */
async function runChecks(
  readiness: Record<string, ReadinessCheck>,
): Promise<{ checks: Record<string, boolean>; reasons: Record<string, string> }> {
  const checks: Record<string, boolean> = {};
  const reasons: Record<string, string> = {};
  await Promise.all(
    Object.entries(readiness).map(async ([name, check]) => {
      const result = await Promise.resolve()
        .then(check)
        .catch(() => false);
      checks[name] = result === true;
      if (typeof result === "string") reasons[name] = result;
    }),
  );
  return { checks, reasons };
}
