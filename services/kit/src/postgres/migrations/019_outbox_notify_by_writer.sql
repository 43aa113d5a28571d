-- The outbox trigger notified inside every writing transaction. PostgreSQL holds
-- its notify lock from a notifying commit's start to the end of its WAL flush,
-- so every order-path commit waited for the previous one's flush. Writers now
-- wake the relay themselves after they commit: the leading relay of their own
-- process directly, one elsewhere by a NOTIFY of its own (outbox.ts `written`).
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
