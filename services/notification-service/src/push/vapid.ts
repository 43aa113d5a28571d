/**
 * VAPID (RFC 8292): the application server proves who it is to the push
 * service with an ES256 JWT signed by its key, `aud` the push service's
 * origin, `exp` at most 24 h ahead, `sub` a contact (mailto: or https:).
 * Keys are the usual base64url pair (`npx web-push generate-vapid-keys`, or
 * `bun services/notification-service/src/push/keygen.ts`): the 65-byte
 * uncompressed public point and the 32-byte private scalar.
 */
import { createECDH, createPrivateKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";

export interface VapidKeys {
  /** base64url, 65 bytes: what browsers take as applicationServerKey. */
  publicKey: string;
  /** base64url, 32 bytes. */
  privateKey: string;
  /** mailto: or https: contact the push service may reach (RFC 8292 §2.1). */
  subject: string;
}

/** JWTs live 12 hours: well under the 24 h a push service accepts, so clock skew does not matter. */
export const VAPID_TTL_SECONDS = 12 * 3600;

const b64u = (data: Uint8Array | string) => Buffer.from(data).toString("base64url");

/** Why these keys cannot sign, or null: lengths, the curve point, and that the two belong together. */
export function vapidProblem(keys: VapidKeys): string | null {
  const pub = Buffer.from(keys.publicKey, "base64url");
  const priv = Buffer.from(keys.privateKey, "base64url");
  if (pub.length !== 65 || pub[0] !== 4) return "VAPID_PUBLIC_KEY must be a base64url 65-byte uncompressed P-256 key";
  if (priv.length !== 32) return "VAPID_PRIVATE_KEY must be a base64url 32-byte P-256 private key";
  if (!/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(keys.subject))
    return "VAPID_SUBJECT must be a mailto: address or an https: URL (RFC 8292 §2.1)";
  let derived: Buffer;
  try {
    derived = publicKeyOf(priv);
  } catch (error) {
    return `VAPID_PRIVATE_KEY is not a P-256 private key: ${(error as Error).message}`;
  }
  if (!derived.equals(pub)) return "VAPID_PUBLIC_KEY is not the public half of VAPID_PRIVATE_KEY";
  return null;
}

/** The uncompressed public point of a P-256 private scalar. */
function publicKeyOf(privateKey: Buffer): Buffer {
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(privateKey);
  return ecdh.getPublicKey();
}

function signingKey(keys: VapidKeys): KeyObject {
  const pub = publicKeyOf(Buffer.from(keys.privateKey, "base64url"));
  return createPrivateKey({
    key: { kty: "EC", crv: "P-256", x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33)), d: keys.privateKey },
    format: "jwk",
  });
}

/** Signs VAPID JWTs for push service origins; keeps one per origin until it is close to expiring. */
export class VapidSigner {
  private readonly key: KeyObject;
  private readonly cache = new Map<string, { header: string; expires: number }>();

  constructor(
    private readonly keys: VapidKeys,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    const problem = vapidProblem(keys);
    if (problem) throw new Error(problem);
    this.key = signingKey(keys);
  }

  get publicKey(): string {
    return this.keys.publicKey;
  }

  /** The Authorization header for a request to `endpoint`: `vapid t=<jwt>, k=<public key>` (RFC 8292 §3). */
  authorization(endpoint: string): string {
    const audience = new URL(endpoint).origin;
    const now = this.now();
    const cached = this.cache.get(audience);
    if (cached && cached.expires - now > 3600) return cached.header;
    const expires = now + VAPID_TTL_SECONDS;
    const header = `vapid t=${this.jwt(audience, expires)}, k=${this.keys.publicKey}`;
    this.cache.set(audience, { header, expires });
    return header;
  }

  private jwt(aud: string, exp: number): string {
    const input = `${b64u(JSON.stringify({ typ: "JWT", alg: "ES256" }))}.${b64u(JSON.stringify({ aud, exp, sub: this.keys.subject }))}`;
    // JWS wants the raw r||s signature, not DER.
    const signature = sign("sha256", Buffer.from(input), { key: this.key, dsaEncoding: "ieee-p1363" });
    return `${input}.${b64u(signature)}`;
  }
}

/** A fresh key pair in the environment's format. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = privateKey.export({ format: "jwk" });
  const x = Buffer.from(jwk.x as string, "base64url");
  const y = Buffer.from(jwk.y as string, "base64url");
  return { publicKey: b64u(Buffer.concat([Buffer.from([4]), x, y])), privateKey: jwk.d as string };
}
