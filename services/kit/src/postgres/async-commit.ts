import type { Tx } from "./connect.ts";

/**
 * Lets the transaction `tx` commit without waiting for its WAL flush
 * (`SET LOCAL synchronous_commit = off`, this transaction only). The commit
 * is atomic and visible at once, and survives a crash of the application;
 * only a crash of PostgreSQL or of the machine can undo it, and then only if
 * no later synchronous commit flushed the WAL past it (the WAL writer does so
 * within about 3 x wal_writer_delay, 600 ms). Each synchronous commit waits
 * for every commit before it in the WAL, so async ones also stop queuing up
 * in front of the order path's own flushes.
 *
 * Only for writes whose loss in such a crash is harmless because they are
 * redone or rebuilt: the outbox relay's published marks (the event goes out
 * again and every consumer dedupes it) and equity snapshots (a point of a
 * chart, taken again after the next fill or tick of the timer). Never for
 * orders, fills, positions, balances, the paper venue's ledger, strategy
 * state or the audit log: those are the record a restart trusts.
 *
 * Returns the query unawaited, so `sql.begin((tx) => [commitAsynchronously(tx), tx`...`])`
 * pipelines it with the write (one round trip more than the write alone, not two).
 */
export function commitAsynchronously(tx: Tx) {
  return tx`SET LOCAL synchronous_commit = off`;
}
