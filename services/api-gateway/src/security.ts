import { Elysia } from "elysia";

const API_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-site",
  // JSON only: nothing on these routes may load or run anything.
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
} as const;

/** The docs page runs Swagger UI's own inline start-up script and loads its files from here. */
const DOCS_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

const ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOWED_HEADERS = "authorization, content-type, x-request-id";

/**
 * Whether an absolute URL's path is /docs or under it, without parsing the URL (this runs on every
 * request). A hostless request (HTTP/1.0) has only its path as its URL and already got 400 from
 * createServiceApp; read as a path here, it is judged the same way.
 */
export function isDocsPath(url: string): boolean {
  const scheme = url.indexOf("://");
  const slash = scheme === -1 ? 0 : url.indexOf("/", scheme + 3);
  if (slash === -1) return false;
  const path = url.slice(slash, slash + 6);
  return path === "/docs" || path === "/docs/" || path === "/docs?" || path === "/docs#";
}

/**
 * Security headers on every answer and CORS for an allow-list of origins
 * only: a browser on any other origin gets no CORS headers (so it cannot
 * read answers) and its preflight is refused with 403.
 */
export function security(corsOrigins: readonly string[]) {
  const allowed = new Set(corsOrigins);
  return new Elysia({ name: "gateway.security" }).onRequest(({ request, set }) => {
    Object.assign(set.headers, API_HEADERS);
    if (isDocsPath(request.url)) set.headers["content-security-policy"] = DOCS_CSP;

    const origin = request.headers.get("origin");
    if (!origin) return;
    set.headers.vary = "origin";
    if (!allowed.has(origin)) {
      if (request.method === "OPTIONS") {
        set.status = 403;
        return { error: { code: "FORBIDDEN", message: `origin ${origin} is not allowed` } };
      }
      return;
    }
    set.headers["access-control-allow-origin"] = origin;
    set.headers["access-control-expose-headers"] =
      "retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset, x-request-id";
    if (request.method === "OPTIONS") {
      set.headers["access-control-allow-methods"] = ALLOWED_METHODS;
      set.headers["access-control-allow-headers"] = ALLOWED_HEADERS;
      set.headers["access-control-max-age"] = "600";
      set.status = 204;
      return "";
    }
  });
}
