import {
  type DocumentChange,
  type DocumentStore,
  type EventBus,
  EventTypes,
  type StoredDocument,
  type Subscription,
  Topics,
} from "@jts/contracts";
import { envelope } from "../events/envelope.ts";
import type { Logger } from "../log.ts";

/**
 * A document store whose successful writes are announced on the bus
 * (Topics.documentChanged), so the other replicas of a service re-read what
 * changed. Reads pass straight through. The announcement follows the write: a
 * replica that misses it (bus down) keeps its copy until its next change or
 * restart, which is logged here.
 */
export class AnnouncingDocumentStore implements DocumentStore {
  readonly watch?: DocumentStore["watch"];

  constructor(
    private readonly store: DocumentStore,
    private readonly bus: EventBus,
    /** This replica's id: its followers skip its own announcements. */
    readonly source: string,
    private readonly logger: Logger,
  ) {
    if (store.watch) this.watch = store.watch.bind(store);
  }

  async create<Body>(collection: string, name: string, body: Body): Promise<StoredDocument<Body>> {
    const doc = await this.store.create(collection, name, body);
    await this.announce({ collection, id: doc.id, name, version: doc.version });
    return doc;
  }

  get<Body>(collection: string, id: string) {
    return this.store.get<Body>(collection, id);
  }

  findByName<Body>(collection: string, name: string) {
    return this.store.findByName<Body>(collection, name);
  }

  list<Body>(collection: string) {
    return this.store.list<Body>(collection);
  }

  async update<Body>(collection: string, id: string, expectedVersion: number, body: Body) {
    const doc = await this.store.update(collection, id, expectedVersion, body);
    await this.announce({ collection, id, name: doc.name, version: doc.version });
    return doc;
  }

  async delete(collection: string, id: string, expectedVersion: number): Promise<void> {
    const doc = await this.store.get(collection, id);
    await this.store.delete(collection, id, expectedVersion);
    await this.announce({ collection, id, name: doc?.name ?? "", version: null });
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private async announce(change: Omit<DocumentChange, "source">): Promise<void> {
    try {
      await this.bus.publish(
        Topics.documentChanged,
        envelope(EventTypes.documentChanged, this.source, change.collection, { ...change, source: this.source }),
      );
    } catch (error) {
      this.logger.error("document change not announced: other replicas keep their copy until the next change", {
        ...change,
        error: (error as Error).message,
      });
    }
  }
}

/**
 * Calls `onChange` when a document of `collection` changed through another
 * replica: from the bus (every replica, no consumer group) and, where the
 * server has a change feed (MongoDB change streams), from it too, which also
 * sees hand edits. Both may report one change: `onChange` re-reads, so a
 * repeat costs a read and changes nothing. Its errors are logged, never thrown
 * into the bus (a bad document must not stop the feed).
 */
export async function followDocuments(
  bus: EventBus,
  store: DocumentStore,
  collection: string,
  options: { source: string; logger: Logger },
  onChange: (change: DocumentChange) => Promise<void> | void,
): Promise<Subscription> {
  const handle = async (change: DocumentChange) => {
    if (change.collection !== collection || change.source === options.source) return;
    try {
      await onChange(change);
    } catch (error) {
      options.logger.error("document change not applied", { ...change, error: (error as Error).message });
    }
  };
  const subscriptions: Subscription[] = [await bus.subscribe(Topics.documentChanged, (event) => handle(event.payload))];
  const feed = await store.watch?.(collection, (change) => void handle(change));
  if (feed) subscriptions.push(feed);
  return {
    async unsubscribe() {
      await Promise.all(subscriptions.map((s) => s.unsubscribe()));
    },
  };
}
