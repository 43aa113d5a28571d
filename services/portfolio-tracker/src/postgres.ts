import { PostgresAuditLog, postgresReadiness, type Sql } from "@jts/kit/postgres";
import { PostgresPortfolioRepository } from "./postgres-repository.ts";
import type { PortfolioOptions } from "./service.ts";

/**
 * The options that make the portfolio durable: its books in PostgreSQL and the
 * database in /ready. The schema must be migrated (`migrate` from @jts/kit/postgres).
 */
export function postgresPortfolioStorage(
  sql: Sql,
): Required<Pick<PortfolioOptions, "repository" | "readiness" | "audit">> {
  return {
    repository: new PostgresPortfolioRepository(sql),
    audit: new PostgresAuditLog(sql),
    readiness: { postgres: postgresReadiness(sql) },
  };
}
