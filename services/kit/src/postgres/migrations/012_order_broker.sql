-- The broker each order was routed to (services/order-execution). A cancel,
-- query or reconciliation must reach the broker that holds the order, not the
-- one the account's current mode would pick: after a restart, on another
-- replica or after a disarm the two differ. NULL until the order is routed
-- (and for orders routed before this migration, which fall back to the mode).
ALTER TABLE orders ADD COLUMN broker TEXT;
