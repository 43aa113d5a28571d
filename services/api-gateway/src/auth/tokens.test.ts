import { describe, expect, it } from "bun:test";
import { jwt } from "@elysiajs/jwt";
import { MemoryCache } from "@jts/kit";
import { type JwtCodec, TokenService } from "./tokens.ts";

/** The gateway's real codec (HS256 via @elysiajs/jwt), counting signature checks. */
function countingCodec() {
  const codec = (jwt({ name: "jwt", secret: "test-secret-of-enough-length" }).decorator as unknown as { jwt: JwtCodec })
    .jwt;
  const counted = {
    verifies: 0,
    sign: (claims: Record<string, string | number>) => codec.sign(claims),
    verify: (token: string) => {
      counted.verifies++;
      return codec.verify(token);
    },
  };
  return counted;
}

describe("access tokens", () => {
  it("checks a token's signature once, and still its expiry and its session on every use", async () => {
    const codec = countingCodec();
    const tokens = new TokenService(codec, new MemoryCache(), 900, 3600);
    const { accessToken } = await tokens.issue("alice", "trader");
    const first = await tokens.authenticate(accessToken);
    const second = await tokens.authenticate(accessToken);
    expect(first).toMatchObject({ username: "alice", role: "trader" });
    expect(second).toEqual(first);
    expect(codec.verifies).toBe(1);
    await tokens.endSession(first as NonNullable<typeof first>);
    expect(await tokens.authenticate(accessToken)).toBeNull();
  });

  it("refuses a tampered or expired token, also after the genuine one was seen", async () => {
    const codec = countingCodec();
    const tokens = new TokenService(codec, new MemoryCache(), 900, 3600);
    const { accessToken } = await tokens.issue("alice", "viewer");
    expect(await tokens.authenticate(accessToken)).not.toBeNull();
    const [header, payload, signature] = accessToken.split(".");
    const forged = Buffer.from(JSON.stringify({ sub: "alice", role: "admin", jti: "x", exp: 9_999_999_999 })).toString(
      "base64url",
    );
    expect(await tokens.authenticate(`${header}.${forged}.${signature}`)).toBeNull();
    expect(await tokens.authenticate(`${header}.${payload}.${signature?.slice(0, -2)}xx`)).toBeNull();

    const expired = await codec.sign({ sub: "bob", role: "viewer", jti: "j1", exp: Math.floor(Date.now() / 1000) - 1 });
    expect(await tokens.authenticate(expired)).toBeNull();
    // Issued with a 1 s life: accepted now, refused once it has expired although its check is remembered.
    const shortLived = new TokenService(codec, new MemoryCache(), 1, 3600);
    const brief = (await shortLived.issue("carol", "viewer")).accessToken;
    expect(await shortLived.authenticate(brief)).not.toBeNull();
    await Bun.sleep(2100);
    expect(await shortLived.authenticate(brief)).toBeNull();
  });
});

describe("the absolute session lifetime", () => {
  it("is checked at refresh on its own, not only by the refresh token's cache expiry: a shortened JWT_SESSION_MAX_SECONDS ends older sessions", async () => {
    // Two gateway processes (or one restarted with a new setting) on one cache: sessions were
    // issued under a 30-day maximum with 7-day refresh tokens, then the operator shortened the
    // maximum to 1 s. The refresh records still live for days in the cache, so only refresh's
    // own check of the session's age can end them (attacker review 6: it was untested alone).
    const cache = new MemoryCache();
    const before = new TokenService(countingCodec(), cache, 900, 7 * 86_400, { sessionMaxSeconds: 30 * 86_400 });
    const after = new TokenService(countingCodec(), cache, 900, 7 * 86_400, { sessionMaxSeconds: 1 });
    const old = await before.issue("alice", "trader");
    await Bun.sleep(1100);
    const refused = await after.refresh(old.refreshToken).catch((e: unknown) => e as Error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toContain("maximum lifetime");
    // A session younger than the maximum still refreshes under the same settings.
    const young = await after.issue("bob", "trader");
    expect((await after.refresh(young.refreshToken)).accessToken).toBeString();
  });
});
