import {
  type DocumentChange,
  type DocumentStore,
  nowNsString,
  type StoredDocument,
  type Subscription,
} from "@jts/contracts";
import { type ChangeStreamDocument, type Db, MongoClient, MongoServerError } from "mongodb";
import { bodyJson } from "../documents/body.ts";
import { duplicateName, staleVersion } from "../documents/memory.ts";
import { notFound } from "../errors.ts";
import { newId } from "../ids.ts";

interface Row {
  _id: string;
  name: string;
  version: number;
  body: unknown;
  updatedAt: string;
}

const DUPLICATE_KEY = 11000;

/**
 * Documents in MongoDB: one collection per document kind, a unique index on
 * `name`, and every write filtered on the version it read, so a stale write
 * matches nothing and is refused instead of overwriting.
 */
export class MongoDocumentStore implements DocumentStore {
  private readonly indexed = new Set<string>();

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {}

  static async connect(url: string, database = "jts"): Promise<MongoDocumentStore> {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    return new MongoDocumentStore(client, client.db(database));
  }

  private async rows(collection: string) {
    const rows = this.db.collection<Row>(collection);
    if (!this.indexed.has(collection)) {
      await rows.createIndex({ name: 1 }, { unique: true });
      this.indexed.add(collection);
    }
    return rows;
  }

  async create<Body>(collection: string, name: string, body: Body): Promise<StoredDocument<Body>> {
    const row: Row = { _id: newId(), name, version: 1, body: bodyAtCall(body), updatedAt: nowNsString() };
    try {
      await (await this.rows(collection)).insertOne(row);
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) throw duplicateName(collection, name);
      throw error;
    }
    return toDocument<Body>(row);
  }

  async get<Body>(collection: string, id: string): Promise<StoredDocument<Body> | null> {
    const row = await (await this.rows(collection)).findOne({ _id: id });
    return row ? toDocument<Body>(row) : null;
  }

  async findByName<Body>(collection: string, name: string): Promise<StoredDocument<Body> | null> {
    const row = await (await this.rows(collection)).findOne({ name });
    return row ? toDocument<Body>(row) : null;
  }

  async list<Body>(collection: string): Promise<StoredDocument<Body>[]> {
    const rows = await (await this.rows(collection)).find({}).sort({ name: 1 }).toArray();
    return rows.map((row) => toDocument<Body>(row));
  }

  async update<Body>(
    collection: string,
    id: string,
    expectedVersion: number,
    body: Body,
  ): Promise<StoredDocument<Body>> {
    const stored = bodyAtCall(body);
    const rows = await this.rows(collection);
    const row = await rows.findOneAndUpdate(
      { _id: id, version: expectedVersion },
      { $set: { body: stored, updatedAt: nowNsString() }, $inc: { version: 1 } },
      { returnDocument: "after" },
    );
    if (row) return toDocument<Body>(row);
    const current = await rows.findOne({ _id: id });
    if (!current) throw notFound(`document ${id}`);
    throw staleVersion(id, expectedVersion, current.version);
  }

  async delete(collection: string, id: string, expectedVersion: number): Promise<void> {
    const rows = await this.rows(collection);
    const result = await rows.deleteOne({ _id: id, version: expectedVersion });
    if (result.deletedCount === 1) return;
    const current = await rows.findOne({ _id: id });
    if (!current) throw notFound(`document ${id}`);
    throw staleVersion(id, expectedVersion, current.version);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * MongoDB's change stream on the collection (a replica set has one; it also
   * sees hand edits). Null where the server refuses `$changeStream`: FerretDB
   * (v1 has no change streams) and a standalone mongod; the caller then
   * relies on the bus announcements alone.
   */
  async watch(collection: string, onChange: (change: DocumentChange) => void): Promise<Subscription | null> {
    const stream = this.db.collection<Row>(collection).watch([], { fullDocument: "updateLookup" });
    try {
      // The stream is lazy: the first read sends the aggregate, so an unsupported server answers here.
      const first = await stream.tryNext();
      if (first) onChange(changeOf(collection, first));
    } catch {
      await stream.close().catch(() => {});
      return null;
    }
    const pump = (async () => {
      try {
        for await (const event of stream) onChange(changeOf(collection, event));
      } catch {
        // Closed (unsubscribe or client closed): nothing more to report.
      }
    })();
    return {
      async unsubscribe() {
        await stream.close();
        await pump;
      },
    };
  }
}

/** A change stream event as the port reports it; source names the feed, so no replica skips it as its own. */
function changeOf(collection: string, event: ChangeStreamDocument<Row>): DocumentChange {
  const key = "documentKey" in event ? String((event.documentKey as { _id: unknown })._id) : "";
  const full = "fullDocument" in event ? (event.fullDocument as Row | undefined) : undefined;
  return {
    collection,
    id: key,
    name: full?.name ?? "",
    version: event.operationType === "delete" ? null : (full?.version ?? null),
    source: "mongodb-change-stream",
  };
}

function toDocument<Body>(row: Row): StoredDocument<Body> {
  return { id: row._id, name: row.name, version: row.version, body: row.body as Body, updatedAt: row.updatedAt };
}

/**
 * The body as it is now, JSON-shaped: the driver encodes BSON when the command
 * is sent, after an await, so a caller editing its object before the write
 * settles would change what is stored (the contract stores it as called).
 */
function bodyAtCall(body: unknown): unknown {
  return JSON.parse(bodyJson(body));
}
