import type { Alert } from "@jts/contracts";

/** One way out to a person: webhook, email, Telegram, Web Push. Throws PermanentError when retrying cannot help. */
export interface Channel {
  readonly name: ChannelName;
  send(alert: Alert): Promise<void>;
}

export const CHANNEL_NAMES = ["webhook", "email", "telegram", "push"] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** The text every channel shows: title, message, account, severity. */
export function alertText(alert: Alert): string {
  const scope = alert.account === null ? "platform" : `account ${alert.account}`;
  return `[${alert.severity}] ${alert.title}\n${alert.message}\n(${scope}, ${alert.kind})`;
}
