import postgres from "postgres";

/** A connection pool. */
export type Sql = postgres.Sql;
/** The handle inside `sql.begin(...)`. */
export type Tx = postgres.TransactionSql;
/** Anything that runs a query: the pool or a transaction. */
export type Queryable = Sql | Tx;

export interface ConnectOptions {
  /** Pool size. Default 10. */
  max?: number;
  /** Seconds before an idle connection is closed. Default 30. */
  idleTimeoutSeconds?: number;
  /** Shows in pg_stat_activity. Default `jts`. */
  applicationName?: string;
}

/**
 * A postgres.js pool. BIGINT (ns timestamps, sequence ids) and NUMERIC (money)
 * come back as strings, postgres.js's default, kept on purpose: the contracts
 * carry both as digit/decimal strings, so rows map to contract types without a
 * conversion, and nothing can reach JSON.stringify as a BigInt (which throws).
 * Code that computes converts at the point of use with `fx.toFixed`/`BigInt`.
 */
export function connectPostgres(url: string, options: ConnectOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: options.idleTimeoutSeconds ?? 30,
    connect_timeout: 10,
    connection: { application_name: options.applicationName ?? "jts" },
    // `... IF NOT EXISTS` notices are expected, not news.
    onnotice: () => {},
    // An optional field left undefined is stored as NULL rather than failing the insert.
    transform: { undefined: null },
  });
}

/**
 * A readiness check (kit's `ReadinessCheck`) for /ready: true when the server
 * answers a trivial query within `timeoutMs`.
 */
export function postgresReadiness(sql: Sql, timeoutMs = 1000): () => Promise<boolean> {
  return async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([sql`SELECT 1`.then(() => true), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
}
