import { ConfigError, checkSecret, str } from "@jts/kit";
import { type VapidKeys, vapidProblem } from "./vapid.ts";

/**
 * The private key is a secret: production refuses a placeholder or a weak
 * value as for every secret (kit checkSecret); unset, push is off in every mode
 * (the platform needs no push service to run).
 */
const vapidPrivateKey = {
  read(raw: string | undefined, name: string, mode: string): string {
    if (raw === undefined || raw === "") return "";
    if (mode === "production") {
      const problem = checkSecret(name, raw, { minLength: 43, minBits: 128 });
      if (problem) throw new Error(problem);
    }
    return raw;
  },
};

export const pushConfigSpec = {
  /** base64url 65-byte P-256 public key; what browsers subscribe with. `bun services/notification-service/src/push/keygen.ts` makes a pair. */
  VAPID_PUBLIC_KEY: str(""),
  /** base64url 32-byte P-256 private key (a secret: VAPID_PRIVATE_KEY_FILE works too). */
  VAPID_PRIVATE_KEY: vapidPrivateKey,
  /** mailto: or https: contact the push services may reach. */
  VAPID_SUBJECT: str(""),
};

/** The VAPID keys when push is configured, null when none of the three is set; throws on a half or broken set. */
export function vapidKeys(config: { VAPID_PUBLIC_KEY: string; VAPID_PRIVATE_KEY: string; VAPID_SUBJECT: string }) {
  const keys: VapidKeys = {
    publicKey: config.VAPID_PUBLIC_KEY,
    privateKey: config.VAPID_PRIVATE_KEY,
    subject: config.VAPID_SUBJECT,
  };
  if (!keys.publicKey && !keys.privateKey && !keys.subject) return null;
  if (!keys.publicKey || !keys.privateKey || !keys.subject)
    throw new ConfigError(["VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT are set together (Web Push)"]);
  const problem = vapidProblem(keys);
  if (problem) throw new ConfigError([problem]);
  return keys;
}
