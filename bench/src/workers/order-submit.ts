/**
 * Informational: OMS submits per second through each order repository, with
 * an in-memory bus and rpc whose risk and broker fakes approve everything.
 * PostgreSQL is a fresh embedded cluster with durable settings (fsync on)
 * unless --fast, or DATABASE_URL. Was bench/src/order-submit.ts.
 *   bun bench/src/workers/order-submit.ts --submits=1000 [--fast]
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Order } from "@jts/contracts";
import { MemoryEventBus, MemoryRpc } from "@jts/kit";
import { connectPostgres, migrate, OutboxRelay, type Sql, startEmbeddedPostgres } from "@jts/kit/postgres";
import { silentLogger } from "@jts/kit/testing";
import { MemoryOrderRepository, type OrderRepository, PostgresOrderRepository } from "@jts/order-execution";
import { testOrderManager } from "@jts/order-execution/testing";
import { emit, flags, num, runChild } from "../lib/child.ts";

async function fakes() {
  const bus = new MemoryEventBus();
  const rpc = new MemoryRpc();
  await rpc.serve("risk.check", () => ({ approved: true, rule: null, reason: null, tsEvent: "1" }));
  await rpc.serve("broker.paper.place", (req) => {
    const { order } = req as { order: Order };
    return { orderId: order.id, accepted: true, venueOrderId: order.id, reason: null, tsEvent: "1" };
  });
  let events = 0;
  await bus.subscribe("order.*", () => {
    events++;
  });
  return { bus, rpc, events: () => events };
}

async function measure(
  label: string,
  submits: number,
  repository: (bus: MemoryEventBus) => OrderRepository,
  concurrency: number,
  sql?: Sql,
) {
  const { bus, rpc, events } = await fakes();
  const relay = sql ? new OutboxRelay(sql, bus, { logger: silentLogger }) : undefined;
  await relay?.start();
  const manager = testOrderManager(repository(bus), rpc, { defaultAccount: "bench" });
  const prefix = `${label}-${concurrency}-${Date.now()}`;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < submits) {
      const i = next++;
      const { order } = await manager.submit({
        clientOrderId: `${prefix}-${i}`,
        symbol: "005930",
        side: "BUY",
        type: "MARKET",
        quantity: "1",
      });
      if (order.status !== "ACCEPTED") throw new Error(`order ${i} is ${order.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const submitMs = performance.now() - started;
  // Every submit emits NEW and ACCEPTED; wait until the relay has published them all.
  while (events() < submits * 2) await Bun.sleep(1);
  const allMs = performance.now() - started;
  await relay?.stop();
  return {
    label,
    concurrency,
    submitsPerSec: Math.round((submits / submitMs) * 1000),
    eventsPublishedMs: Math.round(allMs),
  };
}

runChild(async () => {
  const args = flags();
  const submits = num(args, "submits", 1000);
  const fast = args.fast === "true";
  let stop = async () => {};
  let url = process.env.DATABASE_URL;
  if (!url) {
    const root = await mkdtemp(join(tmpdir(), "jts-bench-oms-"));
    await chmod(root, 0o755);
    const server = await startEmbeddedPostgres({
      dataDir: join(root, "data"),
      port: 20000 + Math.floor(Math.random() * 20000),
      fast,
    });
    url = server.url;
    stop = async () => {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    };
  }
  const sql = connectPostgres(url, { max: 16 });
  const rows = [];
  try {
    await migrate(sql);
    for (const concurrency of [1, 16]) {
      rows.push(await measure("memory", submits, (bus) => new MemoryOrderRepository(bus), concurrency));
      rows.push(await measure("postgres", submits, () => new PostgresOrderRepository(sql), concurrency, sql));
    }
  } finally {
    await sql.end();
    await stop();
  }
  emit("result", { submits, durable: !fast, rows });
});
