import type { Alert } from "@jts/contracts";
import { type Logger, oldestKeyDropper } from "@jts/kit";
import type { Channel } from "../channels/channel.ts";
import { expectSuccess } from "../channels/http-status.ts";
import { PermanentError } from "../retry.ts";
import { encryptPush } from "./ece.ts";
import type { PushSubscriptions, StoredPushSubscription } from "./subscriptions.ts";
import type { VapidSigner } from "./vapid.ts";

/** What the service worker receives (decrypted): enough to show the notification and open the app. */
export interface PushPayload {
  id: string;
  kind: Alert["kind"];
  severity: Alert["severity"];
  title: string;
  body: string;
  account: string | null;
  /** Where a click on the notification leads, inside the app. */
  url: string;
}

export function pushPayload(alert: Alert): PushPayload {
  return {
    id: alert.id,
    kind: alert.kind,
    severity: alert.severity,
    title: alert.title,
    // Titles and messages are short; the cap keeps any message inside one 4 KB record.
    body: alert.message.slice(0, 1000),
    account: alert.account,
    url: "/#alerts",
  };
}

export interface PushChannelOptions {
  signer: VapidSigner;
  subscriptions: PushSubscriptions;
  /** The users whose rule routes this alert to push now (not in quiet hours, or CRITICAL). */
  recipients(alert: Alert): ReadonlySet<string>;
  /** The accounts a user owns: an account's alert goes only to users who may see it (admins see all). */
  accountsOf(user: string): Promise<readonly string[]>;
  logger: Logger;
  timeoutMs?: number;
  /** How requests reach the push service; `fetch` (tests route them to the local fake push service). */
  transport?: typeof fetch;
}

/** Urgency (RFC 8030 §5.3) and TTL by severity: a HALT should wake a phone; a fill can wait, and expire. */
const DELIVERY: Record<Alert["severity"], { urgency: string; ttl: number }> = {
  CRITICAL: { urgency: "high", ttl: 24 * 3600 },
  WARNING: { urgency: "normal", ttl: 6 * 3600 },
  INFO: { urgency: "low", ttl: 3600 },
};

/**
 * Web Push to the installed PWAs of the users who opted in: one encrypted
 * request per subscription. A subscription the push service calls gone
 * (404/410) is deleted. On a retry only the subscriptions not yet reached
 * are sent again, so a phone does not buzz twice because a laptop's push
 * service was down.
 */
export function pushChannel(options: PushChannelOptions): Channel {
  const { signer, subscriptions, logger, timeoutMs = 5000, transport = fetch } = options;
  /** Alert id -> endpoints already reached, for retries of the same alert; bounded. */
  const reached = new Map<string, Set<string>>();
  const dropOldestReached = oldestKeyDropper(reached);

  const visible = async (alert: Alert, sub: StoredPushSubscription) => {
    if (alert.account === null || sub.admin) return true;
    try {
      return (await options.accountsOf(sub.user)).includes(alert.account);
    } catch (error) {
      // Unknown ownership: withhold rather than show one user another's account.
      logger.warn("push withheld: the user's accounts could not be read", {
        user: sub.user,
        error: (error as Error).message,
      });
      return false;
    }
  };

  const sendOne = async (sub: StoredPushSubscription, alert: Alert, body: Buffer) => {
    const { urgency, ttl } = DELIVERY[alert.severity];
    const res = await transport(sub.endpoint, {
      method: "POST",
      headers: {
        authorization: signer.authorization(sub.endpoint),
        "content-encoding": "aes128gcm",
        "content-type": "application/octet-stream",
        ttl: String(ttl),
        urgency,
      },
      body: new Uint8Array(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status === 404 || res.status === 410) {
      await subscriptions.expire(sub.endpoint);
      logger.info("push subscription gone: removed", { user: sub.user, status: res.status });
      return;
    }
    await expectSuccess(res, "push service");
  };

  return {
    name: "push",
    async send(alert: Alert) {
      const done = reached.get(alert.id) ?? new Set<string>();
      reached.set(alert.id, done);
      if (reached.size > 1000) dropOldestReached();
      const plaintext = Buffer.from(JSON.stringify(pushPayload(alert)));
      const targets = subscriptions.of(options.recipients(alert)).filter((s) => !done.has(s.endpoint));
      const failures: Error[] = [];
      await Promise.all(
        targets.map(async (sub) => {
          try {
            if (!(await visible(alert, sub))) return;
            await sendOne(sub, alert, encryptPush(plaintext, keysOf(sub)));
            done.add(sub.endpoint);
          } catch (error) {
            failures.push(error as Error);
          }
        }),
      );
      if (failures.length === 0) {
        reached.delete(alert.id);
        return;
      }
      const message = `${failures.length} of ${targets.length} push deliveries failed: ${failures[0]?.message}`;
      // Retry only when some failure may pass; refused ones stay refused.
      if (failures.every((f) => f instanceof PermanentError)) {
        reached.delete(alert.id);
        throw new PermanentError(message);
      }
      throw new Error(message);
    },
  };
}

const keysOf = (sub: StoredPushSubscription) => ({
  p256dh: Buffer.from(sub.keys.p256dh, "base64url"),
  auth: Buffer.from(sub.keys.auth, "base64url"),
});
