/**
 * A local push service for tests, in the role of FCM/Mozilla autopush and the
 * browser together: it hands out subscriptions (a P-256 key pair and auth
 * secret per endpoint, as a browser makes them), and for every push request
 * checks what a real push service and browser would:
 *
 * - RFC 8292: `Authorization: vapid t=<JWT>, k=<key>`; the JWT is ES256, its
 *   header {typ: JWT, alg: ES256}, signed by `k`, which must be the key the
 *   subscription was made with; `aud` is the endpoint's origin; `exp` is in
 *   the future and at most 24 h ahead; `sub` is a mailto: or https: contact.
 *   No `Crypto-Key`/`Encryption` headers (those belong to the old aesgcm draft).
 * - RFC 8030: POST, a `TTL` header, `Urgency` one of its four values.
 * - RFC 8291/8188: `Content-Encoding: aes128gcm`, and the body decrypts with
 *   the subscription's private key and auth secret.
 *
 * A request that fails a check is answered 400/401/403 with the reason and
 * kept in `rejected`; one that passes is kept in `received` (decrypted) and
 * answered 201, unless a status was queued for that endpoint (410, 500...).
 *
 * Endpoints are `https://push.test/<id>` (the gateway accepts only https);
 * `transport` carries requests to this server over loopback HTTP, so the
 * audience and the signed origin are the https ones a browser would give.
 */
import { createECDH, createPublicKey, randomBytes, verify } from "node:crypto";
import { decryptPush } from "../ece.ts";

export const FAKE_PUSH_ORIGIN = "https://push.test";

export interface FakeSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  endpoint: string;
  payload: unknown;
  ttl: number;
  urgency: string;
  jwt: { aud: string; exp: number; sub: string };
}

interface Held {
  privateKey: Buffer;
  auth: Buffer;
  vapidKey: string;
  answers: number[];
}

const URGENCIES = ["very-low", "low", "normal", "high"];

export async function startFakePushService() {
  const subscriptions = new Map<string, Held>();
  const received: ReceivedPush[] = [];
  const rejected: Array<{ endpoint: string; status: number; reason: string }> = [];

  const refuse = (endpoint: string, status: number, reason: string) => {
    rejected.push({ endpoint, status, reason });
    return new Response(reason, { status });
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      const endpoint = `${FAKE_PUSH_ORIGIN}${path}`;
      const held = subscriptions.get(endpoint);
      if (!held) return refuse(endpoint, 404, "no such subscription");
      if (request.method !== "POST") return refuse(endpoint, 405, "push requests are POST");
      const vapid = checkVapid(request.headers, held.vapidKey, FAKE_PUSH_ORIGIN);
      if (typeof vapid === "string") return refuse(endpoint, vapid.startsWith("403") ? 403 : 401, vapid);
      if (request.headers.get("crypto-key") !== null || request.headers.get("encryption") !== null)
        return refuse(endpoint, 400, "Crypto-Key/Encryption headers belong to aesgcm, not aes128gcm");
      if (request.headers.get("content-encoding") !== "aes128gcm")
        return refuse(endpoint, 400, "Content-Encoding must be aes128gcm");
      const ttl = Number(request.headers.get("ttl"));
      if (request.headers.get("ttl") === null || !Number.isInteger(ttl) || ttl < 0)
        return refuse(endpoint, 400, "TTL header missing or not a non-negative integer");
      const urgency = request.headers.get("urgency") ?? "normal";
      if (!URGENCIES.includes(urgency)) return refuse(endpoint, 400, `bad Urgency ${urgency}`);
      let payload: unknown;
      try {
        const plain = decryptPush(new Uint8Array(await request.arrayBuffer()), held.privateKey, held.auth);
        payload = JSON.parse(plain.toString("utf8"));
      } catch (error) {
        return refuse(endpoint, 400, `payload does not decrypt: ${(error as Error).message}`);
      }
      const status = held.answers.shift() ?? 201;
      if (status === 410 || status === 404) subscriptions.delete(endpoint);
      if (status === 201) received.push({ endpoint, payload, ttl, urgency, jwt: vapid });
      return new Response(null, { status });
    },
  });

  return {
    received,
    rejected,
    /** A new subscription, as a browser gets one from pushManager.subscribe({applicationServerKey}). */
    subscribe(vapidPublicKey: string): FakeSubscription {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const endpoint = `${FAKE_PUSH_ORIGIN}/send/${randomBytes(12).toString("hex")}`;
      subscriptions.set(endpoint, { privateKey: ecdh.getPrivateKey(), auth, vapidKey: vapidPublicKey, answers: [] });
      return {
        endpoint,
        keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: auth.toString("base64url") },
      };
    },
    /** The next answers for `endpoint`'s requests that pass every check (201 once they run out). */
    answer(endpoint: string, ...statuses: number[]) {
      subscriptions.get(endpoint)?.answers.push(...statuses);
    },
    /** fetch for the push channel: https://push.test/... goes to this server over loopback. */
    transport: ((url: string | URL | Request, init?: RequestInit) => {
      const target = new URL(String(url));
      if (target.origin !== FAKE_PUSH_ORIGIN) throw new Error(`the fake push service does not serve ${target.origin}`);
      return fetch(`http://127.0.0.1:${server.port}${target.pathname}`, init);
    }) as typeof fetch,
    stop: () => server.stop(true),
  };
}

/** The VAPID claims when the Authorization header is right, else the reason (prefixed 403 for a wrong key). */
export function checkVapid(
  headers: Headers,
  expectedKey: string,
  origin: string,
  now = Math.floor(Date.now() / 1000),
): { aud: string; exp: number; sub: string } | string {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(headers.get("authorization") ?? "");
  if (!match) return "Authorization must be `vapid t=<jwt>, k=<key>`";
  const [, jwt = "", k = ""] = match;
  if (k !== expectedKey) return "403 k is not the key the subscription was made with";
  const [headerPart = "", claimsPart = "", signature = ""] = jwt.split(".");
  const json = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  let header: { typ?: string; alg?: string };
  let claims: { aud?: unknown; exp?: unknown; sub?: unknown };
  try {
    header = json(headerPart);
    claims = json(claimsPart);
  } catch {
    return "JWT header or claims are not JSON";
  }
  if (header.alg !== "ES256" || header.typ !== "JWT") return "JWT header must be {typ: JWT, alg: ES256}";
  const point = Buffer.from(k, "base64url");
  const key = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33).toString("base64url"),
    },
    format: "jwk",
  });
  const signed = verify(
    "sha256",
    Buffer.from(`${headerPart}.${claimsPart}`),
    { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  if (!signed) return "403 JWT signature does not verify with k";
  if (claims.aud !== origin) return `aud must be ${origin}, got ${String(claims.aud)}`;
  if (typeof claims.exp !== "number" || claims.exp <= now) return "exp missing or past";
  if (claims.exp > now + 24 * 3600) return "exp more than 24 hours ahead";
  if (typeof claims.sub !== "string" || !/^(mailto:|https:)/.test(claims.sub)) return "sub must be mailto: or https:";
  return { aud: claims.aud, exp: claims.exp, sub: claims.sub };
}
