import type { DocumentStore, StoredDocument } from "@jts/contracts";
import type { Static, TSchema } from "@sinclair/typebox";
import type { Readiness } from "../http.ts";
import type { Validator } from "../validate.ts";

/** A stored document that cannot be used as it is (hand-edited, or written by another version). */
export interface UnreadableDocument {
  collection: string;
  id: string;
  name: string;
  why: string;
}

export interface CollectionRead<Body> {
  documents: StoredDocument<Body>[];
  unreadable: UnreadableDocument[];
}

/**
 * The documents of a collection whose envelope is sound and whose body the
 * schema accepts; the others are listed with their id and why, not thrown, so
 * one bad document costs only itself. The caller logs them and says so in
 * /ready (`unreadableReason`).
 */
export async function readDocuments<S extends TSchema>(
  store: DocumentStore,
  collection: string,
  schema: Validator<S>,
): Promise<CollectionRead<Static<S>>> {
  const documents: StoredDocument<Static<S>>[] = [];
  const unreadable: UnreadableDocument[] = [];
  for (const doc of await store.list<unknown>(collection)) {
    const why = problemOf(doc, schema);
    if (why === null) documents.push(doc as StoredDocument<Static<S>>);
    else unreadable.push({ collection, id: String(doc.id), name: String(doc.name), why });
  }
  return { documents, unreadable };
}

/** Null for a usable document, else what is wrong with it. */
export function problemOf(doc: StoredDocument<unknown>, schema: Validator<TSchema>): string | null {
  if (typeof doc.name !== "string" || doc.name === "") return "it has no name";
  if (!Number.isInteger(doc.version) || doc.version < 1) return "its version is not a positive integer";
  try {
    schema.parse(doc.body);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** /ready's answer for a collection: ready, or which documents are unreadable. */
export function unreadableReason(collection: string, unreadable: readonly UnreadableDocument[]): Readiness {
  if (unreadable.length === 0) return true;
  const ids = unreadable
    .slice(0, 5)
    .map((d) => `${d.id} (${d.why})`)
    .join("; ");
  return `collection ${collection} has unreadable documents: ${ids}${unreadable.length > 5 ? ` and ${unreadable.length - 5} more` : ""}`;
}
