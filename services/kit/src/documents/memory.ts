import { type DocumentStore, nowNsString, type StoredDocument } from "@jts/contracts";
import { AppError, notFound } from "../errors.ts";
import { newId } from "../ids.ts";

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
      body: structuredClone(body),
      updatedAt: nowNsString(),
    };
    docs.set(doc.id, doc);
    return structuredClone(doc) as StoredDocument<Body>;
  }

  async get<Body>(collection: string, id: string): Promise<StoredDocument<Body> | null> {
    const doc = this.collection(collection).get(id);
    return doc ? (structuredClone(doc) as StoredDocument<Body>) : null;
  }

  async findByName<Body>(collection: string, name: string): Promise<StoredDocument<Body> | null> {
    for (const doc of this.collection(collection).values())
      if (doc.name === name) return structuredClone(doc) as StoredDocument<Body>;
    return null;
  }

  async list<Body>(collection: string): Promise<StoredDocument<Body>[]> {
    return [...this.collection(collection).values()]
      .map((d) => structuredClone(d) as StoredDocument<Body>)
      .sort(byName);
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
      body: structuredClone(body),
      updatedAt: nowNsString(),
    };
    this.collection(collection).set(id, next);
    return structuredClone(next) as StoredDocument<Body>;
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
