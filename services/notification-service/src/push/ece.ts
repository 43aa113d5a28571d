/**
 * Message encryption for Web Push (RFC 8291) in the aes128gcm content coding
 * (RFC 8188), with node:crypto only: an ephemeral P-256 ECDH with the
 * browser's key, HKDF-SHA-256 keyed by the subscription's auth secret, and
 * one AES-128-GCM record. `decryptPush` is the browser's side, for the fake
 * push service in the tests and for RFC 8291's own test vector.
 */
import { createCipheriv, createDecipheriv, createECDH, createHmac, randomBytes } from "node:crypto";

/** One record holds the whole message: a push service must accept 4096 bytes (RFC 8291 §4). */
const RECORD_SIZE = 4096;
const HEADER_BYTES = 16 + 4 + 1 + 65;
const TAG_BYTES = 16;
/** What a payload may be at most: one record less the tag and the padding delimiter. */
export const MAX_PLAINTEXT_BYTES = RECORD_SIZE - HEADER_BYTES - TAG_BYTES - 1;

const hmac = (key: Uint8Array, data: Uint8Array) => createHmac("sha256", key).update(data).digest();
/** HKDF-Expand for one block (every output here is at most 32 bytes). */
const expand = (prk: Uint8Array, info: Uint8Array, length: number) =>
  hmac(prk, Buffer.concat([info, Buffer.from([1])])).subarray(0, length);

/** CEK and nonce of RFC 8291 §3.4 and RFC 8188 §2.2 from the ECDH secret and both public keys. */
function deriveKeys(
  ecdhSecret: Uint8Array,
  authSecret: Uint8Array,
  uaPublic: Uint8Array,
  asPublic: Uint8Array,
  salt: Uint8Array,
) {
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), uaPublic, asPublic]);
  const ikm = expand(hmac(authSecret, ecdhSecret), keyInfo, 32);
  const prk = hmac(salt, ikm);
  return {
    cek: expand(prk, Buffer.from("Content-Encoding: aes128gcm\0"), 16),
    nonce: expand(prk, Buffer.from("Content-Encoding: nonce\0"), 12),
  };
}

export interface ReceiverKeys {
  /** The browser's P-256 public key, 65 bytes uncompressed (subscription keys.p256dh). */
  p256dh: Uint8Array;
  /** The subscription's 16-byte auth secret (keys.auth). */
  auth: Uint8Array;
}

/** Fixed sender key and salt: only RFC 8291's test vector needs them; real messages take fresh ones. */
export interface EncryptFixture {
  asPrivate: Uint8Array;
  salt: Uint8Array;
}

/** The request body for a push message: header (salt, record size, sender key) and one sealed record. */
export function encryptPush(plaintext: Uint8Array, to: ReceiverKeys, fixture?: EncryptFixture): Buffer {
  if (to.p256dh.length !== 65 || to.p256dh[0] !== 4) throw new Error("p256dh must be a 65-byte uncompressed P-256 key");
  if (to.auth.length !== 16) throw new Error("auth secret must be 16 bytes");
  if (plaintext.length > MAX_PLAINTEXT_BYTES)
    throw new Error(`push payload of ${plaintext.length} bytes is over ${MAX_PLAINTEXT_BYTES}`);
  const ecdh = createECDH("prime256v1");
  if (fixture) ecdh.setPrivateKey(fixture.asPrivate);
  else ecdh.generateKeys();
  const asPublic = ecdh.getPublicKey();
  const salt = fixture?.salt ?? randomBytes(16);
  const { cek, nonce } = deriveKeys(ecdh.computeSecret(to.p256dh), to.auth, to.p256dh, asPublic, salt);
  const cipher = createCipheriv("aes-128-gcm", cek, nonce);
  // 0x02: the last (only) record's delimiter; no padding after it.
  const sealed = Buffer.concat([
    cipher.update(plaintext),
    cipher.update(Buffer.from([2])),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  const header = Buffer.alloc(21);
  Buffer.from(salt).copy(header, 0);
  header.writeUInt32BE(RECORD_SIZE, 16);
  header.writeUInt8(asPublic.length, 20);
  return Buffer.concat([header, asPublic, sealed]);
}

/**
 * The browser's side: opens a single-record aes128gcm body with the
 * subscription's private key and auth secret. Throws on anything RFC 8188
 * and 8291 do not allow (wrong key id length, a record over `rs`, a bad tag,
 * a missing or wrong delimiter).
 */
export function decryptPush(body: Uint8Array, uaPrivate: Uint8Array, auth: Uint8Array): Buffer {
  const data = Buffer.from(body);
  if (data.length < 21) throw new Error("body shorter than the aes128gcm header");
  const salt = data.subarray(0, 16);
  const recordSize = data.readUInt32BE(16);
  const idLength = data.readUInt8(20);
  if (idLength !== 65) throw new Error(`keyid must be the sender's 65-byte public key, got ${idLength} bytes`);
  const asPublic = data.subarray(21, 21 + idLength);
  const record = data.subarray(21 + idLength);
  if (record.length <= TAG_BYTES) throw new Error("no record after the header");
  if (record.length > recordSize) throw new Error(`record of ${record.length} bytes is over rs ${recordSize}`);
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(uaPrivate);
  const uaPublic = ecdh.getPublicKey();
  const { cek, nonce } = deriveKeys(ecdh.computeSecret(asPublic), auth, uaPublic, asPublic, salt);
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - TAG_BYTES));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - TAG_BYTES)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error("the last record must end with the 0x02 delimiter");
  return padded.subarray(0, end);
}
