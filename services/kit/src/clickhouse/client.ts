import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type ClickHouseClient, type ClickHouseClientConfigOptions, createClient } from "@clickhouse/client";
import { createChdbConnection } from "chdb/connection";

export type { ClickHouseClient } from "@clickhouse/client";

export interface TimeSeriesClientOptions {
  /** A ClickHouse server (CLICKHOUSE_URL, credentials may ride in it); without one the engine runs in-process. */
  url?: string;
  /** chdb data directory when no `url` is given. */
  path?: string;
}

/** `<repo>/.data/chdb`: ignored by git, next to the other embedded servers' data. */
export const DEFAULT_CHDB_PATH = resolve(join(import.meta.dir, "../../../../.data/chdb"));

/**
 * One @clickhouse/client for both deployments: HTTP to a server when `url` is
 * set, else chdb through the same client API, so every query and insert after
 * this point runs one code path.
 *
 * No default database is set on the client: the chdb connection ignores it, and
 * over HTTP a database that does not exist yet fails every request, including
 * the CREATE DATABASE that would make it. Queries name `database.table` instead.
 *
 * chdb binds one data directory per process: a second client on the same path
 * is fine, a client on another path throws until every client on the first one
 * is closed.
 */
export function createTimeSeriesClient(options: TimeSeriesClientOptions = {}): ClickHouseClient {
  if (options.url) return createClient({ url: options.url });
  const path = resolve(options.path ?? DEFAULT_CHDB_PATH);
  mkdirSync(path, { recursive: true });
  // chdb types its connection against @clickhouse/client-common 1.23.0, while client 1.23.1 bundles its own copy
  // of those types; the shapes agree at run time, but the settings types differ nominally, so tsc needs the cast.
  const connection = createChdbConnection({ path }) as unknown as ClickHouseClientConfigOptions["connection"];
  return createClient({ connection });
}
