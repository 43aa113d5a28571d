import { describe, expect, it } from "bun:test";
import { hmacSha256Hex, sameSignature, sha512Hex, signJwt, verifyJwt } from "./signing.ts";

// Binance spot REST docs, "SIGNED endpoint examples" (HMAC keys): the documented secret,
// parameter string and the signature the docs print for them.
const BINANCE_DOC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

describe("signing", () => {
  it("reproduces the signature of the Binance documentation's HMAC example", () => {
    const payload =
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
    expect(hmacSha256Hex(BINANCE_DOC_SECRET, payload)).toBe(
      "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71",
    );
  });

  it("reproduces the documented signature for the percent-encoded non-ASCII example", () => {
    const payload =
      "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
    expect(hmacSha256Hex(BINANCE_DOC_SECRET, payload)).toBe(
      "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3",
    );
  });

  it("hashes with SHA-512 in lower-case hex", () => {
    // FIPS 180-2 test vector for "abc".
    expect(sha512Hex("abc")).toBe(
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    );
  });

  it("signs JWTs that verify with the same secret only, for HS256 and HS512", () => {
    for (const alg of ["HS256", "HS512"] as const) {
      const token = signJwt({ access_key: "a", nonce: "n" }, "secret-1", alg);
      expect(JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString())).toEqual({
        alg,
        typ: "JWT",
      });
      expect(verifyJwt(token, "secret-1")).toEqual({ access_key: "a", nonce: "n" });
      expect(verifyJwt(token, "secret-2")).toBeNull();
    }
    expect(verifyJwt("not.a.jwt", "secret-1")).toBeNull();
    expect(verifyJwt("garbage", "secret-1")).toBeNull();
  });

  it("compares hex signatures without regard to case", () => {
    expect(sameSignature("ABCD", "abcd")).toBe(true);
    expect(sameSignature("abcd", "abce")).toBe(false);
    expect(sameSignature("abcd", "abc")).toBe(false);
  });
});
