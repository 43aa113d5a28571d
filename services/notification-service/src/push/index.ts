import { type DocumentStore, type RpcTransport, Subjects, type Subscription } from "@jts/contracts";
import { AppError, type Logger, rpcClient, serve, unreadableReason } from "@jts/kit";
import type { RuleBook } from "../rule-book.ts";
import { pushChannel } from "./channel.ts";
import { PUSH_COLLECTION, PushSubscriptions } from "./subscriptions.ts";
import { type VapidKeys, VapidSigner } from "./vapid.ts";

export { decryptPush, encryptPush } from "./ece.ts";
export { PUSH_COLLECTION } from "./subscriptions.ts";
export { generateVapidKeys, type VapidKeys, VapidSigner } from "./vapid.ts";

/**
 * Web Push for the notification service: the channel, the subscriptions it
 * sends to, and the rpc the gateway's /api/push routes call. Without VAPID
 * keys there is no channel, and `notify.push.vapid-key` says `enabled: false`
 * so the PWA can hide its toggle; subscribing is then refused.
 */
export function createPush(
  vapid: VapidKeys | null,
  deps: {
    documents: DocumentStore;
    rules: RuleBook;
    rpc: RpcTransport;
    logger: Logger;
    accountsTimeoutMs?: number;
    transport?: typeof fetch;
  },
) {
  const subscriptions = new PushSubscriptions(deps.documents, deps.logger);
  const signer = vapid ? new VapidSigner(vapid) : null;
  const { call } = rpcClient(deps.rpc, deps.accountsTimeoutMs ?? 2000);
  const channel = signer
    ? pushChannel({
        signer,
        subscriptions,
        recipients: (alert) => deps.rules.usersFor(alert, "push", new Date()),
        accountsOf: async (user) => (await call(Subjects.accounts, { owner: user })).map((a) => a.id),
        logger: deps.logger,
        ...(deps.transport ? { transport: deps.transport } : {}),
      })
    : null;

  return {
    channel,
    subscriptions,
    /** /ready: the subscriptions collection read and every document usable. */
    readiness: () => subscriptions.loadError ?? unreadableReason(PUSH_COLLECTION, subscriptions.unreadable),
    async serve(): Promise<Subscription[]> {
      return [
        await serve(deps.rpc, Subjects.pushVapidKey, () => ({
          publicKey: signer?.publicKey ?? "",
          enabled: signer !== null,
        })),
        await serve(deps.rpc, Subjects.pushSubscribe, ({ user, admin, subscription }) => {
          if (!signer) throw pushOff();
          return subscriptions.subscribe(user, admin, subscription);
        }),
        await serve(deps.rpc, Subjects.pushUnsubscribe, ({ user, endpoint }) =>
          subscriptions.unsubscribe(user, endpoint),
        ),
      ];
    },
  };
}

/** A platform choice, not an outage: 409 (a 503 would say "retry later", and the fuzzer counts 5xx as faults). */
const pushOff = () =>
  new AppError("CONFLICT", "push notifications are off on this platform (no VAPID keys configured)");
