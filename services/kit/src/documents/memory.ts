import { type DocumentStore, nowNsString, type StoredDocument } from "@jts/contracts";
import { AppError, notFound } from "../errors.ts";
import { newId } from "../ids.ts";

/**
 * A JSON round trip: the bodies are JSON in the real stores (JSONB, BSON), so
 * this copies them the way those stores would, and at a third of the cost of
 * structuredClone (strategy state is saved on every fill).
 */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** In-process documents; copies in and out so callers cannot edit stored state. */
export class MemoryDocumentStore implements DocumentStore {
  private readonly collections = new Map<string, Map<string, StoredDocument>>();

  async create<Body>(collection: string, name: string, body: Body): Promise<StoredDocument<Body>> {
    const docs = this.collection(collection);
    for (const doc of docs.values()) if (doc.name === name) throw duplicateName(collection, name);
    const doc: StoredDocument = {
      id: newId(),
      name,
      version: 1,
      body: copy(body),
      updatedAt: nowNsString(),
    };
    docs.set(doc.id, doc);
    return copy(doc) as StoredDocument<Body>;
  }

  async get<Body>(collection: string, id: string): Promise<StoredDocument<Body> | null> {
    const doc = this.collection(collection).get(id);
    return doc ? (copy(doc) as StoredDocument<Body>) : null;
  }

  async findByName<Body>(collection: string, name: string): Promise<StoredDocument<Body> | null> {
    for (const doc of this.collection(collection).values())
      if (doc.name === name) return copy(doc) as StoredDocument<Body>;
    return null;
  }

  async list<Body>(collection: string): Promise<StoredDocument<Body>[]> {
    return [...this.collection(collection).values()].map((d) => copy(d) as StoredDocument<Body>).sort(byName);
  }

  async update<Body>(
    collection: string,
    id: string,
    expectedVersion: number,
    body: Body,
  ): Promise<StoredDocument<Body>> {
    const doc = this.current(collection, id, expectedVersion);
    const next: StoredDocument = {
      ...doc,
      version: doc.version + 1,
      body: copy(body),
      updatedAt: nowNsString(),
    };
    this.collection(collection).set(id, next);
    return copy(next) as StoredDocument<Body>;
  }

  async delete(collection: string, id: string, expectedVersion: number): Promise<void> {
    this.current(collection, id, expectedVersion);
    this.collection(collection).delete(id);
  }

  async close(): Promise<void> {
    this.collections.clear();
  }

  private current(collection: string, id: string, expectedVersion: number): StoredDocument {
    const doc = this.collection(collection).get(id);
    if (!doc) throw notFound(`document ${id}`);
    if (doc.version !== expectedVersion) throw staleVersion(id, expectedVersion, doc.version);
    return doc;
  }

  private collection(name: string) {
    let docs = this.collections.get(name);
    if (!docs) {
      docs = new Map();
      this.collections.set(name, docs);
    }
    return docs;
  }
}

const byName = (a: StoredDocument, b: StoredDocument) => a.name.localeCompare(b.name);

export const duplicateName = (collection: string, name: string) =>
  new AppError("CONFLICT", `${collection} already has a document named ${name}`);

export const staleVersion = (id: string, expected: number, actual?: number) =>
  new AppError(
    "CONFLICT",
    `document ${id} is at version ${actual ?? "newer"}, not ${expected}: reload and apply the change again`,
  );
