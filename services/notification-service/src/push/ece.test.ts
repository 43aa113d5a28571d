import { describe, expect, it } from "bun:test";
import { createECDH, randomBytes } from "node:crypto";
import { decryptPush, encryptPush, MAX_PLAINTEXT_BYTES } from "./ece.ts";

/** RFC 8291 §5 and Appendix A, byte for byte. */
const RFC = {
  plaintext: "When I grow up, I want to be a watermelon",
  asPrivate: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
  uaPrivate: "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
  uaPublic: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
  auth: "BTBZMqHH6r4Tts7J_aSIgg",
  salt: "DGv6ra1nlYgDCS1FRnbzlw",
  body: "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};
const b = (s: string) => Buffer.from(s, "base64url");

function receiver() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return { privateKey: ecdh.getPrivateKey(), keys: { p256dh: ecdh.getPublicKey(), auth: randomBytes(16) } };
}

describe("Web Push message encryption (RFC 8291, aes128gcm of RFC 8188)", () => {
  it("decrypts RFC 8291's test vector with the user agent's private key and auth secret", () => {
    expect(decryptPush(b(RFC.body), b(RFC.uaPrivate), b(RFC.auth)).toString("utf8")).toBe(RFC.plaintext);
  });

  it("encrypts to RFC 8291's test vector given its sender key and salt", () => {
    const body = encryptPush(
      Buffer.from(RFC.plaintext),
      { p256dh: b(RFC.uaPublic), auth: b(RFC.auth) },
      { asPrivate: b(RFC.asPrivate), salt: b(RFC.salt) },
    );
    expect(body.toString("base64url")).toBe(RFC.body);
  });

  it("round-trips with a fresh sender key and salt every time", () => {
    const { privateKey, keys } = receiver();
    const message = Buffer.from(JSON.stringify({ title: "Trading HALTED", body: "kill switch" }));
    const one = encryptPush(message, keys);
    const two = encryptPush(message, keys);
    expect(one.equals(two)).toBe(false);
    expect(decryptPush(one, privateKey, keys.auth).equals(message)).toBe(true);
    expect(one.readUInt32BE(16)).toBe(4096);
    expect(one.readUInt8(20)).toBe(65);
  });

  it("refuses a tampered body, the wrong auth secret and the wrong private key", () => {
    const { privateKey, keys } = receiver();
    const body = encryptPush(Buffer.from("fill"), keys);
    const tampered = Buffer.from(body);
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1;
    expect(() => decryptPush(tampered, privateKey, keys.auth)).toThrow();
    expect(() => decryptPush(body, privateKey, randomBytes(16))).toThrow();
    expect(() => decryptPush(body, receiver().privateKey, keys.auth)).toThrow();
  });

  it("refuses bad receiver keys and a payload over one record", () => {
    const { keys } = receiver();
    expect(() => encryptPush(Buffer.from("x"), { ...keys, p256dh: keys.p256dh.subarray(1) })).toThrow(/65-byte/);
    expect(() => encryptPush(Buffer.from("x"), { ...keys, auth: randomBytes(8) })).toThrow(/16 bytes/);
    expect(() => encryptPush(Buffer.alloc(MAX_PLAINTEXT_BYTES + 1), keys)).toThrow(/over/);
    expect(encryptPush(Buffer.alloc(MAX_PLAINTEXT_BYTES), keys).length).toBe(4096); // RFC 8291 §4: the whole body fits the 4096 octets every push service takes
  });
});
