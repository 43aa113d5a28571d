import { timingSafeEqual } from "node:crypto";

/**
 * Signed rpc envelopes. The service credential never crosses the bus: a
 * request carries an HMAC-SHA256 (key = the credential) over its subject,
 * timestamp, nonce, actor and body; a reply carries one over the request's
 * subject and nonce and its own body. Whoever reads the bus (anyone with the
 * NATS password) learns no key, cannot change a subject, body or actor, cannot
 * replay a request after the freshness window or, inside it, to the same
 * server (nonce cache), and cannot answer in a server's place.
 */
export const SIGNATURE_HEADER = "jts-sig";
export const TIMESTAMP_HEADER = "jts-ts";
export const NONCE_HEADER = "jts-nonce";

/** How far a request's timestamp may be from the server's clock, either way. */
export const FRESHNESS_MS = 30_000;
/** Nonces remembered at most; past it the oldest is forgotten and its timestamp becomes a floor. */
export const NONCE_CACHE_MAX = 100_000;

const encoder = new TextEncoder();

export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");
}

/** HMAC-SHA256 (Bun's hasher with a key: about 3x cheaper here than node:crypto's createHmac, same bytes). */
function hmac(key: string, head: string, body: Uint8Array): string {
  return new Bun.CryptoHasher("sha256", key).update(head).update(body).digest("base64url");
}

/** Fields are joined by newlines: no field can contain one (NATS headers and subjects cannot). */
export function signRequest(
  key: string,
  r: { subject: string; timestamp: string; nonce: string; actor: string; body: Uint8Array },
): string {
  return hmac(key, `jts-rpc-request\n${r.subject}\n${r.timestamp}\n${r.nonce}\n${r.actor}\n${r.body.length}\n`, r.body);
}

export function signReply(key: string, r: { subject: string; nonce: string; body: Uint8Array }): string {
  return hmac(key, `jts-rpc-reply\n${r.subject}\n${r.nonce}\n${r.body.length}\n`, r.body);
}

export function signatureMatches(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The nonces of the requests a server accepted, each kept until its timestamp
 * leaves the freshness window (a replay after that is refused as stale). The
 * cache is bounded: when full, the oldest entry is dropped and no request
 * timestamped at or before it is accepted any more, so a forgotten nonce can
 * never be replayed (only a flood of validly signed requests, i.e. a holder
 * of the credential, can fill it).
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  private floor = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly max = NONCE_CACHE_MAX,
    private readonly windowMs = FRESHNESS_MS,
  ) {}

  /** Why a request with this timestamp and nonce is refused, or null after recording it. */
  admit(timestamp: number, nonce: string, now = Date.now()): string | null {
    if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > this.windowMs) return "stale or future timestamp";
    if (timestamp <= this.floor) return "timestamp older than the replay cache holds";
    this.forgetExpired(now);
    if (this.seen.has(nonce)) return "replayed nonce";
    this.seen.set(nonce, timestamp);
    if (this.seen.size > this.max) {
      const [oldest, at] = this.seen.entries().next().value as [string, number];
      this.seen.delete(oldest);
      this.floor = Math.max(this.floor, at);
    }
    return null;
  }

  get size(): number {
    return this.seen.size;
  }

  /** Entries are in arrival order, which is close to timestamp order: drop from the front while expired. */
  private forgetExpired(now: number): void {
    for (const [nonce, at] of this.seen) {
      if (at >= now - this.windowMs) break;
      this.seen.delete(nonce);
    }
  }
}
