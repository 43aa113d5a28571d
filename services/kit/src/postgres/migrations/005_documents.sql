-- Versioned JSON documents (strategy definitions, settings, notification
-- rules): the documents port's embedded default, services/kit/src/postgres/
-- document-store.ts. One table for every collection, as MongoDB's collections
-- would be, so a new kind of document needs no migration.

CREATE TABLE documents (
  collection TEXT NOT NULL,
  id         TEXT NOT NULL,
  -- COLLATE "C": names compare and sort byte-wise, like MongoDB's, whatever the
  -- cluster's locale, and the unique index below also serves list()'s ORDER BY.
  name       TEXT COLLATE "C" NOT NULL,
  -- Optimistic concurrency: every write names the version it read.
  version    INTEGER NOT NULL CHECK (version > 0),
  body       JSONB NOT NULL,
  updated_at BIGINT NOT NULL DEFAULT jts_now_ns(),
  PRIMARY KEY (collection, id),
  CONSTRAINT documents_collection_name UNIQUE (collection, name)
);
