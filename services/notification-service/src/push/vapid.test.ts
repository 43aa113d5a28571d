import { describe, expect, it } from "bun:test";
import { ConfigError, loadConfig } from "@jts/kit";
import { pushConfigSpec, vapidKeys } from "./config.ts";
import { checkVapid } from "./testing/fake-push-service.ts";
import { generateVapidKeys, VAPID_TTL_SECONDS, VapidSigner, vapidProblem } from "./vapid.ts";

const pair = generateVapidKeys();
const keys = { ...pair, subject: "mailto:ops@jts.test" };

describe("VAPID (RFC 8292)", () => {
  it("signs an ES256 JWT for the endpoint's origin that a push service verifies", () => {
    const now = 1_800_000_000;
    const signer = new VapidSigner(keys, () => now);
    const header = signer.authorization("https://fcm.googleapis.com/fcm/send/abc?x=1");
    const claims = checkVapid(
      new Headers({ authorization: header }),
      keys.publicKey,
      "https://fcm.googleapis.com",
      now,
    );
    expect(claims).toEqual({ aud: "https://fcm.googleapis.com", exp: now + VAPID_TTL_SECONDS, sub: keys.subject });
    // Another key, another audience, or a day later: refused.
    expect(
      checkVapid(
        new Headers({ authorization: header }),
        generateVapidKeys().publicKey,
        "https://fcm.googleapis.com",
        now,
      ),
    ).toMatch(/not the key/);
    expect(checkVapid(new Headers({ authorization: header }), keys.publicKey, "https://push.test", now)).toMatch(/aud/);
    expect(
      checkVapid(new Headers({ authorization: header }), keys.publicKey, "https://fcm.googleapis.com", now + 86_400),
    ).toMatch(/exp/);
  });

  it("a JWT signed by another key under this key's k does not verify", () => {
    const other = new VapidSigner({ ...generateVapidKeys(), subject: keys.subject });
    const forged = other.authorization("https://push.test/x").replace(/k=.*$/, `k=${keys.publicKey}`);
    expect(checkVapid(new Headers({ authorization: forged }), keys.publicKey, "https://push.test")).toMatch(
      /signature/,
    );
  });

  it("reuses a JWT per origin until it is within an hour of expiring", () => {
    let now = 1_800_000_000;
    const signer = new VapidSigner(keys, () => now);
    const first = signer.authorization("https://push.test/a");
    expect(signer.authorization("https://push.test/b")).toBe(first);
    expect(signer.authorization("https://other.test/a")).not.toBe(first);
    now += VAPID_TTL_SECONDS - 3000;
    expect(signer.authorization("https://push.test/a")).not.toBe(first);
  });

  it("says what is wrong with a key pair", () => {
    expect(vapidProblem(keys)).toBeNull();
    expect(vapidProblem({ ...keys, publicKey: generateVapidKeys().publicKey })).toMatch(/not the public half/);
    expect(vapidProblem({ ...keys, privateKey: "abc" })).toMatch(/32-byte/);
    expect(vapidProblem({ ...keys, publicKey: pair.privateKey })).toMatch(/65-byte/);
    expect(vapidProblem({ ...keys, subject: "ops@jts.test" })).toMatch(/mailto/);
  });
});

describe("VAPID configuration (kit config)", () => {
  const env = (extra: Record<string, string>) => loadConfig(pushConfigSpec, extra);

  it("is off when nothing is set, in production too", () => {
    expect(vapidKeys(env({ JTS_ENV: "production" }))).toBeNull();
  });

  it("takes a full, matching set and refuses half a set or a mismatched one", () => {
    const full = { VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey, VAPID_SUBJECT: keys.subject };
    expect(vapidKeys(env({ ...full, JTS_ENV: "production" }))).toEqual(keys);
    expect(() => vapidKeys(env({ ...full, VAPID_SUBJECT: "" }))).toThrow(ConfigError);
    expect(() => vapidKeys(env({ ...full, VAPID_PUBLIC_KEY: generateVapidKeys().publicKey }))).toThrow(
      /not the public half/,
    );
  });

  it("refuses a placeholder or weak private key in production, as every secret", () => {
    expect(() =>
      env({ JTS_ENV: "production", VAPID_PRIVATE_KEY: "CHANGE-ME-vapid-private-key-example-000000" }),
    ).toThrow(/placeholder/);
    expect(() => env({ JTS_ENV: "production", VAPID_PRIVATE_KEY: "a".repeat(43) })).toThrow(/distinct/);
    expect(env({ VAPID_PRIVATE_KEY: "short" }).VAPID_PRIVATE_KEY).toBe("short"); // development: vapidKeys names the problem
  });
});
