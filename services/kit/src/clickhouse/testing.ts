import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClickHouseClient, createTimeSeriesClient } from "./client.ts";

let sharedDir: string | undefined;
let openClients = 0;
let sequence = 0;

export interface TestTimeSeries {
  client: ClickHouseClient;
  /** A database of this test's own. */
  database: string;
  /** Drops the database and closes the client. */
  close(): Promise<void>;
}

/**
 * A time-series client for tests: the server at CLICKHOUSE_URL when set, else
 * chdb. chdb binds one data directory per process and `bun test` runs every
 * file in one process, so the test clients open at one time share one temp
 * directory (removed when the last of them closes) and each test gets a
 * database of its own instead.
 */
export function createTestTimeSeries(): TestTimeSeries {
  const url = process.env.CLICKHOUSE_URL;
  if (!url) {
    sharedDir ??= mkdtempSync(join(tmpdir(), "jts-chdb-test-"));
    openClients++;
  }
  const client = createTimeSeriesClient(url ? { url } : { path: sharedDir });
  const database = `test_${process.pid}_${Date.now()}_${++sequence}`;
  let closed = false;
  return {
    client,
    database,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      } finally {
        await client.close();
        if (!url && --openClients === 0 && sharedDir) {
          rmSync(sharedDir, { recursive: true, force: true });
          sharedDir = undefined;
        }
      }
    },
  };
}
