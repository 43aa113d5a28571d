import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** Binance-style request signature: HMAC-SHA256 of the exact parameter string, lower-case hex. */
export function hmacSha256Hex(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("hex");
}

/** A short, stable, non-reversible tag of a credential for limiter keys, lock names and logs. */
export function credentialTag(credential: string): string {
  return createHash("sha256").update(credential).digest("hex").slice(0, 12);
}

/** Upbit's `query_hash`: SHA-512 of the query string, hex. */
export function sha512Hex(payload: string): string {
  return createHash("sha512").update(payload).digest("hex");
}

export type JwtAlgorithm = "HS256" | "HS512";

const hmacOf = (alg: JwtAlgorithm) => (alg === "HS256" ? "sha256" : "sha512");
const base64Url = (text: string) => Buffer.from(text).toString("base64url");

/**
 * A compact JWS with an HMAC algorithm. Header key order is `alg`, `typ`, as
 * in the venues' documented tokens, so equal claims give byte-equal tokens.
 */
export function signJwt(claims: Record<string, unknown>, secret: string, alg: JwtAlgorithm = "HS512"): string {
  const signingInput = `${base64Url(JSON.stringify({ alg, typ: "JWT" }))}.${base64Url(JSON.stringify(claims))}`;
  return `${signingInput}.${createHmac(hmacOf(alg), secret).update(signingInput).digest("base64url")}`;
}

/** The claims of a token signed with `secret` (HS256 or HS512), or null when the signature does not match. */
export function verifyJwt(token: string, secret: string): Record<string, unknown> | null {
  const [header, body, signature, extra] = token.split(".");
  if (!header || !body || !signature || extra !== undefined) return null;
  try {
    const { alg } = JSON.parse(Buffer.from(header, "base64url").toString()) as { alg?: string };
    if (alg !== "HS256" && alg !== "HS512") return null;
    const expected = createHmac(hmacOf(alg), secret).update(`${header}.${body}`).digest();
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Constant-time comparison of two hex signatures (the fake venues verify with it). */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}
