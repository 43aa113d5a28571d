/**
 * Who is calling, when the gateway sits behind a proxy (the PWA server,
 * web/server.ts, or an operator's TLS terminator). `X-Forwarded-For` and
 * `X-Forwarded-Proto` are believed only when the connection itself comes from a
 * configured proxy address; from anyone else they are ignored, so a client
 * cannot pick the address its rate limits and audit entries are keyed by.
 */

/** The peer as Bun reports it; `server` is null when a test calls app.handle directly. */
export interface PeerSource {
  requestIP(request: Request): { address: string } | null;
}

export interface ClientOrigin {
  /** The client's address: the peer, or the nearest untrusted hop a trusted proxy reported. */
  ip: string;
  /** https when the connection, or a trusted proxy's X-Forwarded-Proto, says so. */
  secure: boolean;
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same client. */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim().toLowerCase();
  return trimmed.startsWith("::ffff:") && trimmed.includes(".") ? trimmed.slice(7) : trimmed;
}

export function parseTrustedProxies(list: string): ReadonlySet<string> {
  return new Set(
    list
      .split(",")
      .map((a) => a.trim())
      .filter(Boolean)
      .map(normalizeAddress),
  );
}

export function clientOrigin(
  request: Request,
  server: PeerSource | null | undefined,
  trusted: ReadonlySet<string>,
): ClientOrigin {
  const peer = normalizeAddress(server?.requestIP(request)?.address ?? "local");
  const direct = { ip: peer, secure: request.url.startsWith("https:") };
  if (!trusted.has(peer)) return direct;
  // Each proxy appends the address it saw: walk from the right past our own proxies.
  const hops = (request.headers.get("x-forwarded-for") ?? "").split(",").map(normalizeAddress).filter(Boolean);
  let ip = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    ip = hops[i] as string;
    if (!trusted.has(ip)) break;
  }
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return { ip, secure: direct.secure || proto === "https" };
}

/**
 * The caller's origin for `request`, worked out at once when it may be read
 * after the answer is sent, else on first use. Bun names the peer only until
 * the answer is sent (requestIP is null after it), and asking costs more than
 * most of an authenticated read, which never needs it. Worked out at once:
 * state changes (their audit entry is written after the answer; no GET route
 * is audited, routes/policy.test.ts) and WebSocket upgrades (the socket is
 * opened after the upgrade answer). Read lazily: every other request, which
 * reads it, if at all, while it is handled (the per-address limit of a caller
 * without a valid token, the login routes). A caller that hangs up before a
 * lazy read is counted as "local" (Bun has forgotten its address): it gets no
 * answer from that request either, so nothing is learnt by it (attacker review).
 */
export function requestOrigin(
  request: Request,
  server: PeerSource | null | undefined,
  trusted: ReadonlySet<string>,
): ClientOrigin {
  const method = request.method;
  if ((method !== "GET" && method !== "HEAD") || request.headers.has("upgrade"))
    return clientOrigin(request, server, trusted);
  let known: ClientOrigin | undefined;
  const origin = () => {
    known ??= clientOrigin(request, server, trusted);
    return known;
  };
  return {
    get ip() {
      return origin().ip;
    },
    get secure() {
      return origin().secure;
    },
  };
}
