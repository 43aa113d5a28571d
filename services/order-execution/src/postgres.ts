import type { Runtime } from "@jts/kit";
import { OutboxRelay, type OutboxRelayOptions, postgresReadiness, type Sql } from "@jts/kit/postgres";
import { PostgresOrderRepository } from "./postgres-repository.ts";
import type { OrderExecutionOptions } from "./service.ts";

/**
 * The options that make the OMS durable: orders in PostgreSQL, their events
 * published by an outbox relay on the runtime's bus (the repository wakes it
 * after each commit), and the database in /ready. The schema must be migrated
 * (`migrate` from @jts/kit/postgres).
 */
export function postgresOrderStorage(
  sql: Sql,
  runtime: Runtime,
  relay: OutboxRelayOptions = {},
): Required<Pick<OrderExecutionOptions, "repository" | "relay" | "readiness">> {
  const outboxRelay = new OutboxRelay(sql, runtime.bus, {
    logger: runtime.logger.child({ component: "outbox-relay" }),
    ...relay,
  });
  return {
    repository: new PostgresOrderRepository(sql, () => outboxRelay.written()),
    relay: outboxRelay,
    readiness: { postgres: postgresReadiness(sql) },
  };
}
