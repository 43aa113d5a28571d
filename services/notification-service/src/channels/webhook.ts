import { createHmac, timingSafeEqual } from "node:crypto";
import type { Alert } from "@jts/contracts";
import type { Channel } from "./channel.ts";
import { expectSuccess } from "./http-status.ts";

/** Seconds since the epoch when the request was signed. */
export const TIMESTAMP_HEADER = "x-jts-timestamp";
/** `v1=` and the hex HMAC-SHA256 of `<timestamp>.<raw body>` under the shared secret. */
export const SIGNATURE_HEADER = "x-jts-signature";
/** The alert id: the same delivery retried carries the same id, so a receiver can drop repeats. */
export const DELIVERY_HEADER = "x-jts-delivery";

/** The signature header's value for `body` sent at `timestamp` (seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver runs: true when the signature matches the raw body and the
 * timestamp is within `toleranceSeconds` of now (a captured request cannot be
 * replayed later). Compares in constant time.
 */
export function verifyWebhook(
  secret: string,
  headers: Headers,
  rawBody: string,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const timestamp = Number(headers.get(TIMESTAMP_HEADER));
  const signature = headers.get(SIGNATURE_HEADER) ?? "";
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface WebhookOptions {
  url: string;
  secret: string;
  timeoutMs?: number;
}

/** POSTs the alert as JSON, signed; each try is signed afresh so its timestamp is current. */
export function webhookChannel({ url, secret, timeoutMs = 5000 }: WebhookOptions): Channel {
  return {
    name: "webhook",
    async send(alert: Alert) {
      const body = JSON.stringify(alert);
      const timestamp = Math.floor(Date.now() / 1000);
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
          [DELIVERY_HEADER]: alert.id,
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await expectSuccess(res, "webhook");
    },
  };
}
