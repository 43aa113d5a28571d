import { afterEach, describe, expect, it } from "bun:test";
import type { Alert } from "@jts/contracts";
import type { Server } from "bun";
import { PermanentError } from "../retry.ts";
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhook,
  webhookChannel,
} from "./webhook.ts";

const SECRET = "whsec-test-0123456789";
const alert: Alert = {
  id: "alert-7",
  severity: "WARNING",
  kind: "ORDER_REJECTED",
  title: "BUY 1 005930 rejected",
  message: "risk: MAX_NOTIONAL",
  account: "acc-1",
  tsEvent: "1764236400000000000",
};

let server: Server<undefined> | undefined;
afterEach(() => server?.stop(true));

describe("signed webhooks", () => {
  it("reach a local receiver whose check of the signature passes, and carry the alert", async () => {
    const got: Array<{ valid: boolean; body: unknown; delivery: string | null }> = [];
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const raw = await req.text();
        got.push({
          valid: verifyWebhook(SECRET, req.headers, raw),
          body: JSON.parse(raw),
          delivery: req.headers.get(DELIVERY_HEADER),
        });
        return new Response(null, { status: 204 });
      },
    });
    await webhookChannel({ url: `http://127.0.0.1:${server.port}/hook`, secret: SECRET }).send(alert);
    expect(got).toEqual([{ valid: true, body: alert, delivery: "alert-7" }]);
  });

  it("verifies only the exact body, under the right secret, within the time tolerance", () => {
    const now = 1_764_236_400;
    const body = JSON.stringify(alert);
    const headers = (ts: number, signature = signWebhook(SECRET, ts, body)) =>
      new Headers({ [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: signature });
    expect(verifyWebhook(SECRET, headers(now), body, 300, now)).toBe(true);
    // Documented recipe: hex HMAC-SHA256 of "<timestamp>.<body>".
    const hasher = new Bun.CryptoHasher("sha256", SECRET);
    expect(signWebhook(SECRET, now, body)).toBe(`v1=${hasher.update(`${now}.${body}`).digest("hex")}`);
    expect(verifyWebhook(SECRET, headers(now), body.replace("MAX_NOTIONAL", "NONE"), 300, now)).toBe(false);
    expect(verifyWebhook("another-secret-0123", headers(now), body, 300, now)).toBe(false);
    expect(verifyWebhook(SECRET, headers(now - 301), body, 300, now)).toBe(false);
    expect(verifyWebhook(SECRET, headers(now, "v1=00"), body, 300, now)).toBe(false);
    expect(verifyWebhook(SECRET, new Headers(), body, 300, now)).toBe(false);
  });

  it("treats 5xx and 429 as worth another try and other 4xx as final", async () => {
    const statuses = [503, 429, 400];
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => new Response("no", { status: statuses.shift() }),
    });
    const channel = webhookChannel({ url: `http://127.0.0.1:${server.port}/`, secret: SECRET });
    for (const permanent of [false, false, true]) {
      const error = await channel.send(alert).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error instanceof PermanentError).toBe(permanent);
    }
  });
});
