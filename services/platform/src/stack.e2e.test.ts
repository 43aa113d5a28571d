import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Envelope, Fill, Order } from "@jts/contracts";
import { kafkaSaslFromEnv, registerLz4Codec } from "@jts/kit/kafka";
import { startTestPostgres, type TestPostgres } from "@jts/kit/postgres";
import { connectRedis } from "@jts/kit/redis";
import { eventually, freePortBlock, readJson, serverUrl } from "@jts/kit/testing";
import { Kafka, logLevel } from "kafkajs";
import { STACK_SERVICES, startTestStack, type TestStack } from "./testing/stack.ts";

const kafkaBrokers = serverUrl("KAFKA_BROKERS");
const natsUrl = serverUrl("NATS_URL");
const redisUrl = serverUrl("REDIS_URL");
const ready = Boolean(kafkaBrokers && natsUrl && redisUrl);
const namespace = `e2e${Date.now().toString(36)}`;
const workDir = mkdtempSync(join(tmpdir(), "jts-stack-"));
chmodSync(workDir, 0o755);

let pg: TestPostgres;
let stack: TestStack;
let token: string;

const api = async (path: string, init: RequestInit = {}) =>
  fetch(`${stack.url("api-gateway")}${path}`, {
    ...init,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
  });

/** Every envelope on one Kafka topic of this test's namespace, read from the beginning. */
async function readTopic(family: string, until: (events: Envelope[]) => boolean): Promise<Envelope[]> {
  registerLz4Codec(); // the platform writes LZ4 batches
  const kafka = new Kafka({
    clientId: "e2e-reader",
    brokers: (kafkaBrokers as string).split(","),
    sasl: kafkaSaslFromEnv(),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `${namespace}-reader-${Math.random()}`, maxWaitTimeInMs: 100 });
  const events: Envelope[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: `${namespace}.${family}`, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void events.push(JSON.parse(String(message.value))) });
  try {
    await eventually(() => expect(until(events)).toBe(true), 30_000, 200);
  } finally {
    await consumer.disconnect();
  }
  return events;
}

async function submit(clientOrderId: string): Promise<Response> {
  return api("/api/orders", {
    method: "POST",
    body: JSON.stringify({ clientOrderId, symbol: "005930", side: "BUY", type: "MARKET", quantity: "1" }),
  });
}

describe.skipIf(!ready)(
  `just stack: every service its own process on Kafka, NATS, Redis, PostgreSQL and chdb${ready ? "" : " (skipped: KAFKA_BROKERS, NATS_URL and REDIS_URL not all set)"}`,
  () => {
    beforeAll(async () => {
      pg = await startTestPostgres({ migrate: false });
      stack = await startTestStack({
        basePort: freePortBlock(STACK_SERVICES.length),
        logDir: join(workDir, "logs"),
        env: {
          JTS_BUS: "kafka",
          JTS_RPC: "nats",
          JTS_CACHE: "redis",
          JTS_NAMESPACE: namespace,
          KAFKA_BROKERS: kafkaBrokers as string,
          NATS_URL: natsUrl as string,
          REDIS_URL: redisUrl as string,
          DATABASE_URL: pg.url,
          CHDB_PATH: join(workDir, "chdb"),
          STRATEGIES: "off",
          SIM_INTERVAL_MS: "50",
          API_RATE_LIMIT: "100000",
          LOG_LEVEL: "warn",
        },
      });
      const login = await fetch(`${stack.url("api-gateway")}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password: "jts-dev-password" }),
      });
      token = (await readJson(login)).accessToken;
      // Every symbol's first tick has to travel sim -> Kafka -> collector; a consumer group that
      // is still rebalancing on a loaded machine can take tens of seconds to get its partitions.
      await eventually(
        async () => expect(((await readJson(await api("/api/prices"))) as unknown[]).length).toBe(3),
        90_000,
      );
    }, 180_000);

    afterAll(async () => {
      await stack?.stop();
      await pg?.stop();
      if (!process.env.JTS_KEEP_TEST_LOGS) rmSync(workDir, { recursive: true, force: true });
    }, 60_000);

    it("fills an order across processes, with its row in PostgreSQL, its events on Kafka and last prices in Redis", async () => {
      const res = await submit("stack-e2e-1");
      expect(res.status).toBe(201);
      const order = (await readJson(res)) as Order;
      await eventually(
        async () => expect((await readJson(await api(`/api/orders/${order.id}`))).status).toBe("FILLED"),
        20_000,
      );

      const [row] = await pg.sql`select status, filled_quantity from orders where id = ${order.id}`;
      expect(row).toMatchObject({ status: "FILLED" });
      const events = await readTopic("order.updated", (all) =>
        all.some((e) => (e.payload as Order).id === order.id && (e.payload as Order).status === "FILLED"),
      );
      expect(
        events.filter((e) => (e.payload as Order).id === order.id).map((e) => (e.payload as Order).status),
      ).toContain("ACCEPTED");

      const redis = connectRedis(redisUrl as string, "e2e");
      try {
        const last = JSON.parse((await redis.get(`jts:${namespace}:md:last:005930`)) ?? "null");
        expect(last).toMatchObject({ symbol: "005930", venue: "sim" });
        expect(Number(last.price)).toBeGreaterThan(0);
      } finally {
        redis.disconnect();
      }
      const positions = (await readJson(await api("/api/positions"))) as Array<{ symbol: string; quantity: string }>;
      expect(positions.find((p) => p.symbol === "005930")?.quantity).toBe("1");
    }, 60_000);

    it("accounts for every one of 200 orders exactly once when order-execution is SIGKILLed in the middle of the burst", async () => {
      const ids = Array.from({ length: 200 }, (_, i) => `crash-${i}`);
      let killed = false;
      let restarted: Promise<void> | null = null;
      let sent = 0;
      let retries = 0;
      // Each client retries its own clientOrderId until the platform answers it, as a trading client would.
      const sendOne = async (clientOrderId: string) => {
        for (let attempt = 0; attempt < 300; attempt++) {
          const res = await submit(clientOrderId).catch(() => null);
          if (res && (res.status === 201 || res.status === 200)) return;
          retries++;
          await Bun.sleep(100);
        }
        throw new Error(`${clientOrderId} never got an answer`);
      };
      const queue = [...ids];
      const workers = Array.from({ length: 10 }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          if (!killed && ++sent === 60) {
            killed = true;
            await stack.kill("order-execution", "SIGKILL");
            restarted = stack.start("order-execution");
          }
          await sendOne(id);
        }
      });
      await Promise.all(workers);
      await restarted;
      expect(killed).toBe(true);
      // The kill really hit the burst: some submits failed and were retried.
      expect(retries).toBeGreaterThan(0);

      // From PostgreSQL: 200 orders, one each, all filled once.
      await eventually(
        async () => {
          const [counts] = await pg.sql`
          select count(*)::int as orders, count(distinct client_order_id)::int as distinct_ids,
                 count(*) filter (where status = 'FILLED')::int as filled
          from orders where client_order_id like 'crash-%'`;
          expect(counts).toEqual({ orders: 200, distinct_ids: 200, filled: 200 });
        },
        60_000,
        250,
      );
      const fillsPerOrder = await pg.sql`
      select o.client_order_id, count(f.id)::int as fills from orders o left join fills f on f.order_id = o.id
      where o.client_order_id like 'crash-%' group by o.client_order_id having count(f.id) <> 1`;
      expect([...fillsPerOrder]).toEqual([]);
      await eventually(async () => {
        const [now] = await pg.sql`select count(*)::int as unpublished from outbox where published_at is null`;
        expect(now?.unpublished).toBe(0);
      }, 30_000);

      // From the topic: each order reached FILLED, and every fill appears under one id (redeliveries share the event id).
      const orderIds = new Set(
        (await pg.sql`select id from orders where client_order_id like 'crash-%'`).map((r) => r.id as string),
      );
      const filled = await readTopic("order.updated", (all) => {
        const done = new Set(
          all
            .map((e) => e.payload as Order)
            .filter((o) => orderIds.has(o.id) && o.status === "FILLED")
            .map((o) => o.id),
        );
        return done.size === 200;
      });
      expect(
        new Set(
          filled
            .map((e) => e.payload as Order)
            .filter((o) => orderIds.has(o.id))
            .map((o) => o.clientOrderId),
        ).size,
      ).toBe(200);
      const fills = await readTopic(
        "order.fill",
        (all) => new Set(all.map((e) => (e.payload as Fill).orderId).filter((id) => orderIds.has(id))).size === 200,
      );
      const fillIdsByOrder = new Map<string, Set<string>>();
      for (const e of fills) {
        const fill = e.payload as Fill;
        if (!orderIds.has(fill.orderId)) continue;
        const set = fillIdsByOrder.get(fill.orderId) ?? new Set();
        set.add(fill.id);
        fillIdsByOrder.set(fill.orderId, set);
      }
      expect([...fillIdsByOrder.values()].every((set) => set.size === 1)).toBe(true);
      expect(fillIdsByOrder.size).toBe(200);
    }, 180_000);

    it("keeps ticks, candles and executions in ClickHouse (chdb), readable after the collector stops", async () => {
      await stack.kill("market-data-collector", "SIGTERM");
      const script = `
      import { createTimeSeriesClient } from "@jts/kit/clickhouse";
      const client = createTimeSeriesClient({ path: ${JSON.stringify(join(workDir, "chdb"))} });
      const count = async (q) => Number((await (await client.query({ query: q, format: "JSONEachRow" })).json())[0].n);
      console.log(JSON.stringify({ ticks: await count("SELECT count() AS n FROM jts.ticks"), candles: await count("SELECT count() AS n FROM jts.candles_1m"), executions: await count("SELECT uniqExact(id) AS n FROM jts.executions") }));
      await client.close();`;
      const probe = Bun.spawn(["bun", "-e", script], {
        cwd: join(import.meta.dir, ".."),
        stdout: "pipe",
        stderr: "pipe",
      });
      const output = await new Response(probe.stdout).text();
      expect(await probe.exited).toBe(0);
      const counts = JSON.parse(output.trim().split("\n").at(-1) as string);
      expect(counts.ticks).toBeGreaterThan(10);
      expect(counts.candles).toBeGreaterThan(0);
      // The 201 orders of the tests above, one fill each, however often the bus redelivered them.
      expect(counts.executions).toBe(201);
    }, 60_000);
  },
);
