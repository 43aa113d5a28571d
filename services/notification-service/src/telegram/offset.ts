import type { DocumentStore } from "@jts/contracts";

export const STATE_COLLECTION = "telegram-state";

/**
 * The next update id to handle, kept in the documents store so a restart
 * neither handles an update again nor asks Telegram for the ones it already
 * confirmed. It is written *before* an update is handled: an update is handled
 * at most once (one in hand when the process dies is lost and the user sends
 * it again), never twice (a second /halt prompt, a repeated reply).
 */
export class OffsetStore {
  private doc: { id: string; version: number } | null = null;
  private value = 0;

  constructor(private readonly documents: DocumentStore) {}

  async load(): Promise<number> {
    const stored = await this.documents.findByName<{ offset: number }>(STATE_COLLECTION, "offset");
    if (stored) {
      this.doc = stored;
      this.value = stored.body.offset;
    }
    return this.value;
  }

  get current(): number {
    return this.value;
  }

  /** Whether update `id` is new; if so the offset moves past it and is stored before this returns. */
  async claim(id: number): Promise<boolean> {
    if (id < this.value) return false;
    this.value = id + 1;
    const body = { offset: this.value };
    this.doc = this.doc
      ? await this.documents.update(STATE_COLLECTION, this.doc.id, this.doc.version, body)
      : await this.documents.create(STATE_COLLECTION, "offset", body);
    return true;
  }
}
