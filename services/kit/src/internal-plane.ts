import { AppError } from "./errors.ts";
import { credentialMatches } from "./service-credential.ts";

/**
 * The rules of a service's own HTTP port (every service but the gateway,
 * which is the public edge with its own users and CORS):
 * - it answers only for the names it is reached by (loopback, JTS_HOST,
 *   JTS_ALLOWED_HOSTS): a foreign Host is a DNS-rebinding page (421);
 * - reads (GET/HEAD/OPTIONS) are open: /health, /ready, /metrics and views;
 * - a state change needs the service credential (401), and is refused from a
 *   browser page of another origin (403) or with a body that is not JSON
 *   (415: forms and text/plain are what a cross-site page can send without a
 *   preflight).
 */
export interface InternalPlaneOptions {
  /** The service credential a state change must carry as `Authorization: Bearer`. */
  token: string;
  /** Host names (no port) this port answers for. */
  allowedHosts: ReadonlySet<string>;
}

/** The header an internal caller names the user it acts for in (rpc and HTTP); trusted only with the credential. */
export const ACTOR_HEADER = "jts-actor";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const LOOPBACK = ["localhost", "127.0.0.1", "[::1]"];

/** Loopback, the bound interface (unless a wildcard) and JTS_ALLOWED_HOSTS (comma-separated names, e.g. compose service names). */
export function allowedHostsFromEnv(env: Record<string, string | undefined> = process.env): Set<string> {
  const hosts = new Set(LOOPBACK);
  const bound = env.JTS_HOST?.trim().toLowerCase();
  if (bound && bound !== "0.0.0.0" && bound !== "::") hosts.add(bound.includes(":") ? `[${bound}]` : bound);
  for (const name of (env.JTS_ALLOWED_HOSTS ?? "").split(",")) {
    const trimmed = name.trim().toLowerCase();
    if (trimmed) hosts.add(trimmed);
  }
  return hosts;
}

/** `host[:port]` -> host, brackets kept for IPv6 (`[::1]:3002` -> `[::1]`). */
export function hostName(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(0, value.indexOf("]") + 1);
  const colon = value.indexOf(":");
  return colon === -1 ? value : value.slice(0, colon);
}

function originHost(origin: string): string | null {
  try {
    return hostName(new URL(origin).host);
  } catch {
    return null;
  }
}

const isJson = (contentType: string) => {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
};

const hasBody = (headers: Headers) =>
  Number(headers.get("content-length") ?? 0) > 0 || headers.has("transfer-encoding");

/**
 * 421 for a Host this port does not answer for: what a DNS-rebinding page sends
 * (its own name, resolved to 127.0.0.1). Every port checks it, the gateway's too.
 */
export function hostRefusal(request: Request, allowedHosts: ReadonlySet<string>): AppError | null {
  // In-process `app.handle(new Request(url))` carries no Host header: the URL's host stands in.
  // Hostless HTTP/1.0 has no absolute URL: refused by http.ts before this runs, and here too if called alone.
  // Parsed only then: this runs on every request.
  const header = request.headers.get("host");
  const host = hostName(header ?? (URL.canParse(request.url) ? new URL(request.url).host : ""));
  if (allowedHosts.has(host)) return null;
  return new AppError("MISDIRECTED", `this service does not answer for host ${host.slice(0, 100)}`);
}

/** Why this request may not reach the route, or null when it may. */
export function internalPlaneRefusal(request: Request, options: InternalPlaneOptions): AppError | null {
  const headers = request.headers;
  const misdirected = hostRefusal(request, options.allowedHosts);
  if (misdirected) return misdirected;
  if (SAFE_METHODS.has(request.method)) return null;
  const origin = headers.get("origin");
  if (origin !== null) {
    const from = originHost(origin);
    if (from === null || !options.allowedHosts.has(from))
      return new AppError("FORBIDDEN", "state changes from a browser page of another origin are refused");
  }
  const contentType = headers.get("content-type");
  if ((contentType !== null || hasBody(headers)) && !isJson(contentType ?? ""))
    return new AppError("UNSUPPORTED_MEDIA_TYPE", "a state change takes a JSON body (content-type: application/json)");
  const authorization = headers.get("authorization");
  const token = authorization?.startsWith("Bearer ") ? authorization.slice(7) : null;
  if (!credentialMatches(token, options.token))
    return new AppError(
      "UNAUTHORIZED",
      "a state change on a service port needs the service credential; use the gateway (/api/...)",
    );
  return null;
}

/**
 * The user an authenticated internal HTTP call acts for (the `jts-actor`
 * header), else the caller itself. Only meaningful behind the credential
 * check above; never read from a body.
 */
export function httpActor(headers: Headers): string {
  return headers.get(ACTOR_HEADER)?.slice(0, 64) || "service";
}
