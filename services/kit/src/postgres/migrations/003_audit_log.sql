-- Who did what, when and from where. Append-only: rows cannot be updated or
-- deleted (retention is the owner's job: TRUNCATE or a partition drop).

CREATE TABLE audit_log (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ts         BIGINT NOT NULL DEFAULT jts_now_ns(),
  -- A username, or a service name for automated actions.
  actor      TEXT NOT NULL,
  -- e.g. auth.login, order.submit, order.cancel, risk.set-state, strategy.start
  action     TEXT NOT NULL,
  -- What the action touched: an order id, an account, a strategy id.
  target     TEXT,
  source_ip  INET,
  user_agent TEXT,
  request_id TEXT,
  details    JSONB NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_ts ON audit_log (ts);
CREATE INDEX audit_log_actor_ts ON audit_log (actor, ts);
CREATE INDEX audit_log_target_ts ON audit_log (target, ts) WHERE target IS NOT NULL;

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
