import type { Queryable, Sql, Tx } from "./connect.ts";

/**
 * Records that `consumer` handled `eventId`, inside the transaction of the
 * consumer's state change. True the first time; false for a redelivery, in
 * which case the caller changes nothing. A concurrent second delivery waits on
 * the primary key until the first commits, then sees false; if the first rolls
 * back, the mark goes with it and the redelivery does the work.
 */
export async function markProcessed(tx: Queryable, consumer: string, eventId: string): Promise<boolean> {
  const rows = await tx`
    INSERT INTO processed_events (consumer, event_id) VALUES (${consumer}, ${eventId})
    ON CONFLICT (consumer, event_id) DO NOTHING
    RETURNING 1`;
  return rows.length === 1;
}

/**
 * Runs `work` in one transaction with the processed-id mark, once per event
 * id per consumer, across restarts. Returns false for a duplicate.
 */
export async function processOnce(
  sql: Sql,
  consumer: string,
  eventId: string,
  work: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  return sql.begin(async (tx) => {
    if (!(await markProcessed(tx, consumer, eventId))) return false;
    await work(tx);
    return true;
  });
}
