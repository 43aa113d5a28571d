import { createHmac, timingSafeEqual } from "node:crypto";

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
  return createHmac("sha256", secret)
    .update(`${timestamp}\n${nonce}\n${method.toUpperCase()}\n${path}\n${bodyHash}`)
    .digest("hex");
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

export function signaturesMatch(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, "hex");
  const b = Buffer.from(actual, "hex");
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
