-- Order and fill lists are read in pages, newest first: orders by (created_at, id),
-- fills by (ts_event, id), ids compared as bytes (COLLATE "C") so the order does not
-- depend on the locale. A backward scan of these indexes serves both the first page
-- and a page after a cursor, `(created_at, id) < (cursor)`, without sorting the table.
CREATE INDEX orders_created ON orders (created_at, id COLLATE "C");
CREATE INDEX orders_account_created ON orders (account, created_at, id COLLATE "C");
CREATE INDEX fills_ts ON fills (ts_event, id COLLATE "C");
CREATE INDEX fills_account_ts ON fills (account, ts_event, id COLLATE "C");
