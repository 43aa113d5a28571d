import type { Runtime } from "@jts/kit";
import { OutboxRelay, type OutboxRelayOptions, postgresReadiness, type Sql } from "@jts/kit/postgres";
import { PostgresOrderRepository } from "./postgres-repository.ts";
import type { OrderExecutionOptions } from "./service.ts";

/**
 * The options that make the OMS durable: orders in PostgreSQL, their events
 * published by an outbox relay on the runtime's bus, and the database in
 * /ready. The schema must be migrated (`migrate` from @jts/kit/postgres).
 */
export function postgresOrderStorage(
  sql: Sql,
  runtime: Runtime,
  relay: OutboxRelayOptions = {},
): Required<Pick<OrderExecutionOptions, "repository" | "relay" | "readiness">> {
  return {
    repository: new PostgresOrderRepository(sql),
    relay: new OutboxRelay(sql, runtime.bus, { logger: runtime.logger.child({ component: "outbox-relay" }), ...relay }),
    readiness: { postgres: postgresReadiness(sql) },
  };
}
