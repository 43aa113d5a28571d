-- OUTCOME_UNKNOWN (services/order-execution): the order was sent to its broker
-- but no answer came, so the venue may have it. It is in flight like NEW and
-- working like ACCEPTED until a lookup at the venue resolves it.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (
  status IN ('NEW', 'OUTCOME_UNKNOWN', 'ACCEPTED', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED')
);
DROP INDEX orders_open;
CREATE INDEX orders_open ON orders (account, symbol)
  WHERE status IN ('NEW', 'OUTCOME_UNKNOWN', 'ACCEPTED', 'PARTIALLY_FILLED');
