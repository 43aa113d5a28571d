import { type DocumentStore, nowNsString, type StoredDocument } from "@jts/contracts";
import { AppError, notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { bodyJson } from "./body.ts";

/**
 * A document as kept here: its body serialised, as the real stores keep JSON
 * (JSONB, BSON). Writing serialises once and reading parses, so no caller
 * holds a reference into stored state, and a write costs one stringify (the
 * strategy engine saves its state on every fill; the JSON round trip this
 * replaced cost four passes over the body).
 */
interface KeptDocument {
  id: string;
  name: string;
  version: number;
  json: string;
  updatedAt: string;
}

/** In-process documents; serialised in, parsed out, so callers cannot edit stored state. */
export class MemoryDocumentStore implements DocumentStore {
  private readonly collections = new Map<string, Map<string, KeptDocument>>();

  async create<Body>(collection: string, name: string, body: Body): Promise<StoredDocument<Body>> {
    const docs = this.collection(collection);
    for (const doc of docs.values()) if (doc.name === name) throw duplicateName(collection, name);
    const kept = { id: newId(), name, version: 1, json: bodyJson(body), updatedAt: nowNsString() };
    docs.set(kept.id, kept);
    return written(kept, body);
  }

  async get<Body>(collection: string, id: string): Promise<StoredDocument<Body> | null> {
    const doc = this.collection(collection).get(id);
    return doc ? read<Body>(doc) : null;
  }

  async findByName<Body>(collection: string, name: string): Promise<StoredDocument<Body> | null> {
    for (const doc of this.collection(collection).values()) if (doc.name === name) return read<Body>(doc);
    return null;
  }

  async list<Body>(collection: string): Promise<StoredDocument<Body>[]> {
    return [...this.collection(collection).values()].map((d) => read<Body>(d)).sort(byName);
  }

  async update<Body>(
    collection: string,
    id: string,
    expectedVersion: number,
    body: Body,
  ): Promise<StoredDocument<Body>> {
    const doc = this.current(collection, id, expectedVersion);
    const kept = { ...doc, version: doc.version + 1, json: bodyJson(body), updatedAt: nowNsString() };
    this.collection(collection).set(id, kept);
    return written(kept, body);
  }

  async delete(collection: string, id: string, expectedVersion: number): Promise<void> {
    this.current(collection, id, expectedVersion);
    this.collection(collection).delete(id);
  }

  async close(): Promise<void> {
    this.collections.clear();
  }

  private current(collection: string, id: string, expectedVersion: number): KeptDocument {
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

/** A stored copy: parsed from the kept JSON, shared with nobody. */
function read<Body>(doc: KeptDocument): StoredDocument<Body> {
  return {
    id: doc.id,
    name: doc.name,
    version: doc.version,
    body: JSON.parse(doc.json) as Body,
    updatedAt: doc.updatedAt,
  };
}

/**
 * What a write answers: the caller's own body back. The store keeps only its
 * serialised copy, so nothing aliases stored state, and a save pays no parse
 * for a body its caller already has.
 */
function written<Body>(doc: KeptDocument, body: Body): StoredDocument<Body> {
  return { id: doc.id, name: doc.name, version: doc.version, body, updatedAt: doc.updatedAt };
}

const byName = (a: StoredDocument, b: StoredDocument) => a.name.localeCompare(b.name);

export const duplicateName = (collection: string, name: string) =>
  new AppError("CONFLICT", `${collection} already has a document named ${name}`);

export const staleVersion = (id: string, expected: number, actual?: number) =>
  new AppError(
    "CONFLICT",
    `document ${id} is at version ${actual ?? "newer"}, not ${expected}: reload and apply the change again`,
  );
