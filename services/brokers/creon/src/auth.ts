import { hmacSha256Hex } from "@jts/broker-kit";

/** The request signature of BRIDGE.md: HMAC-SHA256 over timestamp, nonce, method, path and body hash. */
export function signature(
  secret: string,
  timestamp: string,
  nonce: string,
  method: string,
  path: string,
  body: string,
): string {
  const bodyHash = new Bun.CryptoHasher("sha256").update(body).digest("hex");
  return hmacSha256Hex(secret, `${timestamp}\n${nonce}\n${method.toUpperCase()}\n${path}\n${bodyHash}`);
}

export function signedHeaders(secret: string, method: string, path: string, body: string, now = Date.now()) {
  const timestamp = String(now);
  const nonce = crypto.randomUUID();
  return {
    "x-creon-timestamp": timestamp,
    "x-creon-nonce": nonce,
    "x-creon-signature": signature(secret, timestamp, nonce, method, path, body),
  };
}

/** The WebSocket URL with its signed query (`ts`, `nonce`, `sig`). */
export function signedStreamUrl(baseUrl: string, secret: string, now = Date.now()): string {
  const ts = String(now);
  const nonce = crypto.randomUUID();
  const url = new URL("/v1/stream", baseUrl.replace(/^http/, "ws"));
  url.search = new URLSearchParams({
    ts,
    nonce,
    sig: signature(secret, ts, nonce, "GET", "/v1/stream", ""),
  }).toString();
  return url.toString();
}
