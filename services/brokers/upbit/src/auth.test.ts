import { describe, expect, it } from "bun:test";
import { sha512Hex, signJwt, verifyJwt } from "@jts/broker-kit";
import { hashableQuery, upbitToken } from "./auth.ts";

// The token printed in Upbit's authentication guide ("JWT 토큰 구조"), header and payload segments.
const DOC_HEADER = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9";
const DOC_PAYLOAD =
  "eyJhY2Nlc3Nfa2V5IjoiYTdYZDkyTG1RVzN2QnRSellwTWo1Q3hOS2VUMUh1VnMwZkZnSmNBdyIsIm5vbmNlIjoiYjJmMWUzZjgtMmRjMS00ZDZmLWE4MzgtYzc0YzQ5YjBlMzlhIiwicXVlcnlfaGFzaCI6IjBiM2U4ODRkNDBjYzk5MmE4NTczMGNmNDcwYjRhMzI4NmYxM2Q5YzQ2MjA0Mjc5ZWYzMjE1M2JjZGNkNGVkYjdjMTI5MjVlNzI2NjYzNmU4NmE2ZDZhZTU4MDRhNmJiMzk0ZTYzMmU0ZGJhOWI0MDQ1YWQ0NzBjOTM3MjBlNWU2IiwicXVlcnlfaGFzaF9hbGciOiJTSEE1MTIifQ";

describe("Upbit auth", () => {
  it("builds the same header and payload segments as the token in Upbit's guide", () => {
    const claims = JSON.parse(Buffer.from(DOC_PAYLOAD, "base64url").toString());
    expect(Object.keys(claims)).toEqual(["access_key", "nonce", "query_hash", "query_hash_alg"]);
    const token = signJwt(claims, "any-secret", "HS512");
    const [header, payload] = token.split(".");
    expect(header).toBe(DOC_HEADER);
    expect(payload).toBe(DOC_PAYLOAD);
  });

  it("puts the SHA-512 of the unencoded query in query_hash and signs with the secret", () => {
    const query = hashableQuery({ market: "KRW-BTC", states: ["wait", "watch"], limit: 100 });
    expect(query).toBe("market=KRW-BTC&states[]=wait&states[]=watch&limit=100");
    const token = upbitToken("access", "secret", query, "b2f1e3f8-2dc1-4d6f-a838-c74c49b0e39a");
    expect(verifyJwt(token, "secret")).toEqual({
      access_key: "access",
      nonce: "b2f1e3f8-2dc1-4d6f-a838-c74c49b0e39a",
      query_hash: sha512Hex("market=KRW-BTC&states[]=wait&states[]=watch&limit=100"),
      query_hash_alg: "SHA512",
    });
    expect(verifyJwt(token, "other")).toBeNull();
  });

  it("leaves query_hash out when there are no parameters and uses a fresh nonce each time", () => {
    const a = verifyJwt(upbitToken("access", "secret", ""), "secret");
    const b = verifyJwt(upbitToken("access", "secret", ""), "secret");
    expect(Object.keys(a ?? {})).toEqual(["access_key", "nonce"]);
    expect(a?.nonce).not.toBe(b?.nonce);
  });
});
