-- Transactional outbox and idempotent consumers.

-- Events written in the same transaction as the state change they describe;
-- the relay (services/kit/src/postgres/outbox.ts) publishes them in id order.
CREATE TABLE outbox (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic        TEXT NOT NULL,
  key          TEXT NOT NULL,
  envelope     JSONB NOT NULL,
  created_at   BIGINT NOT NULL DEFAULT jts_now_ns(),
  published_at BIGINT,
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Wakes the relay at commit time (NOTIFY is delivered on commit); polling is
-- the fallback. One notification per statement; PostgreSQL folds repeats
-- within a transaction.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('jts_outbox', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Event ids a consumer has handled, recorded in the transaction of its state
-- change, so a redelivery (at-least-once) changes nothing, across restarts.
CREATE TABLE processed_events (
  consumer     TEXT NOT NULL,
  event_id     TEXT NOT NULL,
  processed_at BIGINT NOT NULL DEFAULT jts_now_ns(),
  PRIMARY KEY (consumer, event_id)
);
