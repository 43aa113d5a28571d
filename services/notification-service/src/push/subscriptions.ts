import { createHash } from "node:crypto";
import { type DocumentStore, Id, PushSubscriptionBody } from "@jts/contracts";
import { AppError, compile, type Logger, readDocuments, type UnreadableDocument } from "@jts/kit";
import { t } from "elysia";

/** One document per browser subscription, named by a hash of its endpoint (the endpoint is a capability URL). */
export const PUSH_COLLECTION = "push-subscriptions";

/** What is stored: whose it is, whether they were an admin when they subscribed (every account's alerts), the keys. */
export const StoredPushSubscription = t.Object(
  {
    user: Id,
    admin: t.Boolean(),
    endpoint: PushSubscriptionBody.properties.endpoint,
    keys: PushSubscriptionBody.properties.keys,
    createdAt: t.String(),
  },
  { additionalProperties: false },
);
export type StoredPushSubscription = typeof StoredPushSubscription.static;
const schema = compile(StoredPushSubscription);

interface Held {
  id: string;
  version: number;
  body: StoredPushSubscription;
}

const nameOf = (endpoint: string) => createHash("sha256").update(endpoint).digest("hex");

/**
 * The users' Web Push subscriptions, kept in memory from the documents port
 * and re-read when any replica changes one (as the rule book is). A browser
 * posting an endpoint that is stored already takes it over: the endpoint is a
 * secret only that browser holds, and the last user logged in on it is whose
 * alerts it should show.
 */
export class PushSubscriptions {
  private byEndpoint = new Map<string, Held>();
  unreadable: UnreadableDocument[] = [];
  loadError: string | null = null;

  constructor(
    private readonly documents: DocumentStore,
    private readonly logger: Logger,
  ) {}

  async load(): Promise<boolean> {
    try {
      const { documents, unreadable } = await readDocuments(this.documents, PUSH_COLLECTION, schema);
      this.byEndpoint = new Map(
        documents.map((d) => [d.body.endpoint, { id: d.id, version: d.version, body: d.body }]),
      );
      for (const bad of unreadable)
        this.logger.error("push subscription skipped: the stored document is unreadable", { ...bad });
      this.unreadable = unreadable;
      this.loadError = null;
      return true;
    } catch (error) {
      this.loadError = `collection ${PUSH_COLLECTION} cannot be read: ${(error as Error).message}`;
      this.logger.error("push subscriptions not loaded", { error: (error as Error).message });
      return false;
    }
  }

  /** Stores (or takes over) `subscription` for `user`; `created` is false when the endpoint was known. */
  async subscribe(user: string, admin: boolean, subscription: PushSubscriptionBody) {
    const body: StoredPushSubscription = {
      user,
      admin,
      endpoint: subscription.endpoint,
      keys: subscription.keys,
      createdAt: new Date().toISOString(),
    };
    const name = nameOf(subscription.endpoint);
    const stored = await this.documents.findByName<StoredPushSubscription>(PUSH_COLLECTION, name);
    const doc = stored
      ? await this.documents.update(PUSH_COLLECTION, stored.id, stored.version, body)
      : await this.documents.create(PUSH_COLLECTION, name, body);
    this.byEndpoint.set(body.endpoint, { id: doc.id, version: doc.version, body });
    return { endpoint: body.endpoint, created: !stored };
  }

  /** Removes one of `user`'s own subscriptions; another user's, or an unknown one, is NOT_FOUND alike. */
  async unsubscribe(user: string, endpoint: string) {
    const stored = await this.documents.findByName<StoredPushSubscription>(PUSH_COLLECTION, nameOf(endpoint));
    if (!stored || stored.body.user !== user || stored.body.endpoint !== endpoint)
      throw new AppError("NOT_FOUND", "no push subscription of yours at that endpoint");
    await this.documents.delete(PUSH_COLLECTION, stored.id, stored.version);
    this.byEndpoint.delete(endpoint);
    return { removed: true };
  }

  /** The push service said the subscription is gone (404/410): forget it, unless it was replaced meanwhile. */
  async expire(endpoint: string): Promise<void> {
    const held = this.byEndpoint.get(endpoint);
    if (!held) return;
    this.byEndpoint.delete(endpoint);
    try {
      await this.documents.delete(PUSH_COLLECTION, held.id, held.version);
    } catch (error) {
      // Deleted by another replica, or re-subscribed since (new version): either way nothing to do.
      if (!(error instanceof AppError && (error.code === "NOT_FOUND" || error.code === "CONFLICT"))) throw error;
    }
  }

  of(users: ReadonlySet<string>): StoredPushSubscription[] {
    return [...this.byEndpoint.values()].map((h) => h.body).filter((s) => users.has(s.user));
  }

  get size(): number {
    return this.byEndpoint.size;
  }
}
