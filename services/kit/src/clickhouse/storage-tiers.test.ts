import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session } from "chdb";
import { type ClickHouseClient, createTimeSeriesClient } from "./client.ts";
import { currentTtlDays, currentTtlRules, ensureSchema, schemaStatements } from "./schema.ts";

/**
 * Tiered storage on chdb: the engine takes a server config (--config-file) when its
 * data directory is first opened, so this file starts it with the storage policy
 * host/provision writes for the ClickHouse server (host/provision.d/tiers.sh,
 * clickhouse_tier_storage, rendered by bash with the disks in a temp directory),
 * then the schema is applied through the same client the services use.
 * chdb binds one data directory per process: this file runs with no other chdb
 * client open (bun test runs files one after another and each closes its own).
 */
const REPO = resolve(import.meta.dir, "../../../..");
let dir: string;
let session: Session;
let client: ClickHouseClient;
const db = "tiers";

/** The <storage_configuration> provision writes, with the container's paths moved under `dir`. */
function provisionedStorageXml(): string {
  const result = Bun.spawnSync(
    [
      "bash",
      "-c",
      'source host/provision.d/common.sh && source host/provision.d/tiers.sh && WARM_DEVICE=/dev/x COLD_MOUNT=nas:/x clickhouse_tier_storage "$1"',
      "bash",
      dir,
    ],
    { cwd: REPO },
  );
  if (result.exitCode !== 0) throw new Error(`clickhouse_tier_storage failed: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "jts-chdb-tiers-"));
  for (const d of ["warm", "cold"]) mkdirSync(join(dir, d));
  const config = join(dir, "config.xml");
  writeFileSync(config, `<clickhouse>\n${provisionedStorageXml()}\n</clickhouse>\n`);
  session = new Session(join(dir, "data"), { connectionArgs: [`--config-file=${config}`] });
  client = createTimeSeriesClient({ path: join(dir, "data") });
});

afterAll(async () => {
  await client?.close();
  session?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows<T>(query: string): Promise<T[]> {
  return (await client.query({ query, format: "JSONEachRow" })).json<T>();
}

const DAY_NS = 86_400n * 1_000_000_000n;

describe("tiered storage on chdb with the provisioned policy", () => {
  it("the policy has the hot (named default), warm and cold volumes on their own disks", async () => {
    expect(
      await rows(
        "SELECT volume_name, disks FROM system.storage_policies WHERE policy_name = 'tiered' ORDER BY volume_priority",
      ),
    ).toEqual([
      { volume_name: "default", disks: ["default"] },
      { volume_name: "warm", disks: ["warm"] },
      { volume_name: "cold", disks: ["cold"] },
    ]);
  });

  it("moves parts by age: today's on hot, last week's on warm, older on cold; ticks still deleted", async () => {
    await ensureSchema(client, {
      database: db,
      retentionDays: 400,
      storagePolicy: "tiered",
      warmAfterDays: 2,
      coldAfterDays: 30,
    });
    const now = BigInt(Date.now()) * 1_000_000n;
    const values = [0n, 5n, 60n, 500n]
      .map((age, i) => `('005930', 'sim', 70000, 1, 'BUY', 't${i}', ${now - age * DAY_NS})`)
      .join(", ");
    await client.command({
      query: `INSERT INTO ${db}.ticks (symbol, venue, price, quantity, aggressor, trade_id, ts_ns) VALUES ${values}`,
    });
    // Moves run in the background; OPTIMIZE applies the deletion (it may meet a part
    // while it moves, so it is repeated until the parts settle).
    const where = async () => {
      await client.command({ query: `OPTIMIZE TABLE ${db}.ticks FINAL` });
      return rows<{ age: number; disk_name: string }>(
        `SELECT dateDiff('day', max_time, now()) AS age, disk_name FROM system.parts
         WHERE database = '${db}' AND table = 'ticks' AND active AND rows > 0 ORDER BY age`,
      );
    };
    const deadline = Date.now() + 15_000;
    let parts = await where();
    while (Date.now() < deadline && parts.map((p) => p.disk_name).join() !== "default,warm,cold") {
      await Bun.sleep(200);
      parts = await where();
    }
    // The 500-day-old tick is past the 400-day retention: deleted (its part is left
    // empty until the server cleans it up, hence rows > 0 above), not kept on cold.
    expect(parts.map((p) => p.disk_name)).toEqual(["default", "warm", "cold"]);
    const count = await rows<{ n: string }>(`SELECT toString(count()) AS n FROM ${db}.ticks`);
    expect(count).toEqual([{ n: "3" }]);
    // The candles of every tick were built at insert, and their parts follow the same rules.
    expect(await currentTtlRules(client, db, "candles_1m")).toEqual([
      { days: 2, volume: "warm" },
      { days: 30, volume: "cold" },
    ]);
    expect(await currentTtlRules(client, db, "executions")).toEqual([
      { days: 2, volume: "warm" },
      { days: 30, volume: "cold" },
    ]);
  });

  it("a caller that does not manage tiers keeps the moves; an empty policy removes them", async () => {
    await ensureSchema(client, { database: db, retentionDays: 90 });
    expect(await currentTtlRules(client, db, "ticks")).toEqual([
      { days: 2, volume: "warm" },
      { days: 30, volume: "cold" },
      { days: 90 },
    ]);
    await ensureSchema(client, { database: db, retentionDays: 90, storagePolicy: "" });
    expect(await currentTtlRules(client, db, "ticks")).toEqual([{ days: 90 }]);
    expect(await currentTtlDays(client, db, "ticks")).toBe(90);
    expect(await currentTtlRules(client, db, "executions")).toEqual([]);
  });

  it("puts tables made before the tiers on the policy", async () => {
    const old = "tiers_later";
    await ensureSchema(client, { database: old });
    await ensureSchema(client, { database: old, storagePolicy: "tiered" });
    const policies = await rows<{ name: string; storage_policy: string }>(
      `SELECT name, storage_policy FROM system.tables WHERE database = '${old}' AND engine LIKE '%MergeTree' ORDER BY name`,
    );
    expect(policies.map((p) => p.storage_policy)).toEqual(["tiered", "tiered", "tiered"]);
    expect(await currentTtlRules(client, old, "ticks")).toEqual([{ days: 7, volume: "warm" }, { days: 30 }]);
  });
});

describe("tier SQL", () => {
  it("off by default: no policy and no moves in the DDL", () => {
    for (const sql of schemaStatements({ database: "jts" })) {
      expect(sql).not.toContain("storage_policy");
      expect(sql).not.toContain("TO VOLUME");
    }
  });

  it("moves only before the deletion, and refuses cold before warm or a bad policy name", () => {
    const ticks = schemaStatements({ database: "jts", storagePolicy: "tiered", retentionDays: 30 }).find((s) =>
      s.includes("jts.ticks ("),
    );
    expect(ticks).toContain("TTL toDateTime(ts) + INTERVAL 7 DAY TO VOLUME 'warm', toDateTime(ts) + INTERVAL 30 DAY\n");
    expect(ticks).toContain("SETTINGS storage_policy = 'tiered', ttl_only_drop_parts = 1");
    expect(() => schemaStatements({ storagePolicy: "tiered", warmAfterDays: 30, coldAfterDays: 7 })).toThrow(
      "coldAfterDays (7) must be more than warmAfterDays (30)",
    );
    expect(() => schemaStatements({ storagePolicy: "x'; DROP" })).toThrow("not a storage policy name");
  });
});
