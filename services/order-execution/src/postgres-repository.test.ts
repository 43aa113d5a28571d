import { afterAll, beforeAll } from "bun:test";
import { MemoryEventBus } from "@jts/kit";
import { OutboxRelay, startTestPostgres, type TestPostgres, truncateAll } from "@jts/kit/postgres";
import { silentLogger } from "@jts/kit/testing";
import { PostgresOrderRepository } from "./postgres-repository.ts";
import { orderRepositoryContract } from "./testing/order-repository-contract.ts";

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
});
afterAll(async () => {
  await pg.stop();
});

orderRepositoryContract("postgres", async () => {
  await truncateAll(pg.sql);
  const bus = new MemoryEventBus();
  const relay = new OutboxRelay(pg.sql, bus, { logger: silentLogger });
  return {
    repository: new PostgresOrderRepository(pg.sql),
    bus,
    deliver: async () => {
      await relay.flush();
    },
    close: () => bus.close(),
  };
});
