import { afterAll, describe, expect, it } from "bun:test";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePortBlock } from "../testing/ports.ts";
import { connectPostgres, postgresReadiness } from "./connect.ts";
import { startEmbeddedPostgres } from "./embedded.ts";

const root = await mkdtemp(join(tmpdir(), "jts-test-pg-"));
await chmod(root, 0o755);
const port = freePortBlock(4);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("embedded PostgreSQL", () => {
  it("initialises a cluster once and keeps its data across a restart", async () => {
    const dataDir = join(root, "nested", "data");
    const first = await startEmbeddedPostgres({ dataDir, port });
    expect(first.initialised).toBe(true);
    expect(first.url).toBe(`postgres://jts:jts@127.0.0.1:${port}/jts`);
    let sql = connectPostgres(first.url, { max: 1 });
    const [settings] = await sql`SELECT current_setting('fsync') AS fsync, current_database() AS db`;
    expect(settings).toEqual({ fsync: "on", db: "jts" });
    await sql`CREATE TABLE kept (v TEXT)`;
    await sql`INSERT INTO kept VALUES ('survives')`;
    await sql.end();
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir, port });
    expect(second.initialised).toBe(false);
    expect(second.timings.initMs).toBe(0);
    sql = connectPostgres(second.url, { max: 1 });
    expect(await sql`SELECT v FROM kept`).toEqual([{ v: "survives" }] as never);
    await sql.end();
    await second.stop();
  }, 30_000);

  it("refuses a port another server holds, naming it, instead of waiting forever", async () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: port + 3, socket: { data() {} } });
    try {
      const dataDir = join(root, "taken");
      const error = await startEmbeddedPostgres({ dataDir, port: port + 3 }).catch((e: unknown) => e);
      expect(String(error)).toContain(`port ${port + 3} on 127.0.0.1 is taken`);
      expect(String(error)).toContain("PG_PORT");
    } finally {
      holder.stop(true);
    }
  });

  it("turns durability off only when asked for a fast test cluster", async () => {
    const server = await startEmbeddedPostgres({ dataDir: join(root, "fast"), port: port + 1, fast: true });
    const sql = connectPostgres(server.url, { max: 1 });
    const [row] = await sql`
      SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc,
             current_setting('full_page_writes') AS fpw, current_setting('listen_addresses') AS listen`;
    expect(row).toEqual({ fsync: "off", sc: "off", fpw: "off", listen: "127.0.0.1" });
    const ready = postgresReadiness(sql, 500);
    expect(await ready()).toBe(true);
    await server.stop();
    expect(await ready()).toBe(false);
    await sql.end({ timeout: 1 });
  }, 30_000);

  it.if(process.getuid?.() === 0)("refuses a data directory the postgres user cannot reach", async () => {
    const closed = join(root, "closed");
    await mkdir(closed, { mode: 0o700 });
    await chmod(closed, 0o700);
    const error = await startEmbeddedPostgres({ dataDir: join(closed, "data"), port: port + 2 }).catch(
      (e: unknown) => e,
    );
    expect(String(error)).toContain("is closed to the postgres user");
  });

  it("refuses to initialise over a directory that holds something else", async () => {
    const dataDir = join(root, "occupied");
    await mkdir(dataDir);
    await Bun.write(join(dataDir, "notes.txt"), "mine");
    const error = await startEmbeddedPostgres({ dataDir, port: port + 3 }).catch((e: unknown) => e);
    expect(String(error)).toContain("neither empty nor a PostgreSQL cluster");
  });
});
