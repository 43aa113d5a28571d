import { type DocumentStore, nowNsString, type StoredDocument } from "@jts/contracts";
import { bodyJson } from "../documents/body.ts";
import { duplicateName, staleVersion } from "../documents/memory.ts";
import { notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { type ConnectOptions, connectPostgres, type Sql } from "./connect.ts";

interface Row {
  id: string;
  name: string;
  version: number;
  body: unknown;
  // BIGINT arrives as a digit string, which is what StoredDocument carries.
  updated_at: string;
}

/**
 * Documents in the `documents` table (migration 005), one JSONB body per row:
 * the documents port's embedded default. Every write is one statement
 * conditioned on the version it read, so of two writers of one version the
 * second waits on the first's row lock, re-checks the condition against the
 * committed row, matches nothing and is refused; nothing is read-then-written.
 *
 * JSONB keeps values, not text: key order and insignificant whitespace are
 * not preserved, and a string holding U+0000 is refused by PostgreSQL.
 */
export class PostgresDocumentStore implements DocumentStore {
  /**
   * On a pool the caller owns (and ends); `close()` leaves it open, so one
   * pool can serve this store and the service's own tables.
   */
  constructor(
    private readonly sql: Sql,
    private readonly ownsPool = false,
  ) {}

  /** On a pool of its own, ended by `close()`. The schema must be migrated. */
  static connect(url: string, options: ConnectOptions = {}): PostgresDocumentStore {
    return new PostgresDocumentStore(connectPostgres(url, { applicationName: "jts-documents", ...options }), true);
  }

  async create<Body>(collection: string, name: string, body: Body): Promise<StoredDocument<Body>> {
    // ON CONFLICT instead of catching 23505: a duplicate name is an expected
    // answer, and this way it does not abort a surrounding transaction.
    const rows = await this.sql<Row[]>`
      INSERT INTO documents (collection, id, name, version, body, updated_at)
      VALUES (${collection}, ${newId()}, ${name}, 1, ${bodyJson(body)}::text::jsonb, ${nowNsString()})
      ON CONFLICT (collection, name) DO NOTHING
      RETURNING id, name, version, body, updated_at`;
    const row = rows[0];
    if (!row) throw duplicateName(collection, name);
    return toDocument<Body>(row);
  }

  async get<Body>(collection: string, id: string): Promise<StoredDocument<Body> | null> {
    const rows = await this.sql<Row[]>`
      SELECT id, name, version, body, updated_at FROM documents WHERE collection = ${collection} AND id = ${id}`;
    return rows[0] ? toDocument<Body>(rows[0]) : null;
  }

  async findByName<Body>(collection: string, name: string): Promise<StoredDocument<Body> | null> {
    const rows = await this.sql<Row[]>`
      SELECT id, name, version, body, updated_at FROM documents WHERE collection = ${collection} AND name = ${name}`;
    return rows[0] ? toDocument<Body>(rows[0]) : null;
  }

  async list<Body>(collection: string): Promise<StoredDocument<Body>[]> {
    const rows = await this.sql<Row[]>`
      SELECT id, name, version, body, updated_at FROM documents WHERE collection = ${collection} ORDER BY name`;
    return rows.map((row) => toDocument<Body>(row));
  }

  async update<Body>(
    collection: string,
    id: string,
    expectedVersion: number,
    body: Body,
  ): Promise<StoredDocument<Body>> {
    const rows = await this.sql<Row[]>`
      UPDATE documents
      SET body = ${bodyJson(body)}::text::jsonb, version = version + 1, updated_at = ${nowNsString()}
      WHERE collection = ${collection} AND id = ${id} AND version = ${expectedVersion}
      RETURNING id, name, version, updated_at`;
    // The caller's body back rather than the stored one: a strategy saves its
    // state on every fill, and reading the whole body back doubled the bytes.
    if (rows[0]) return toDocument<Body>({ ...rows[0], body });
    return this.refuse(collection, id, expectedVersion);
  }

  async delete(collection: string, id: string, expectedVersion: number): Promise<void> {
    const rows = await this.sql`
      DELETE FROM documents WHERE collection = ${collection} AND id = ${id} AND version = ${expectedVersion}
      RETURNING 1`;
    if (rows.length === 0) await this.refuse(collection, id, expectedVersion);
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.sql.end({ timeout: 5 });
  }

  /** After a conditional write matched nothing: say whether the document is gone or moved on. */
  private async refuse(collection: string, id: string, expectedVersion: number): Promise<never> {
    const rows = await this.sql<{ version: number }[]>`
      SELECT version FROM documents WHERE collection = ${collection} AND id = ${id}`;
    if (!rows[0]) throw notFound(`document ${id}`);
    throw staleVersion(id, expectedVersion, rows[0].version);
  }
}

function toDocument<Body>(row: Row): StoredDocument<Body> {
  return { id: row.id, name: row.name, version: row.version, body: row.body as Body, updatedAt: row.updated_at };
}
