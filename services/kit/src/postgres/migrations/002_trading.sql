-- Orders, fills and positions (contracts/src/trading.ts). `seq` keeps
-- insertion order for "newest first" lists; ids are the contracts' ids.
-- orders.account has no foreign key on purpose: accounts belong to the
-- portfolio, and the OMS must not stop trading because a seed row is missing.

CREATE TABLE orders (
  id              TEXT PRIMARY KEY,
  seq             BIGINT GENERATED ALWAYS AS IDENTITY,
  client_order_id TEXT NOT NULL,
  account         TEXT NOT NULL,
  venue           TEXT NOT NULL CHECK (venue IN ('sim', 'paper', 'binance', 'upbit', 'kis', 'creon')),
  symbol          TEXT NOT NULL,
  side            TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  type            TEXT NOT NULL CHECK (type IN ('MARKET', 'LIMIT', 'STOP_MARKET', 'STOP_LIMIT')),
  time_in_force   TEXT NOT NULL CHECK (time_in_force IN ('GTC', 'IOC', 'FOK', 'DAY')),
  quantity        NUMERIC(38, 9) NOT NULL CHECK (quantity > 0),
  price           NUMERIC(38, 9) CHECK (price > 0),
  stop_price      NUMERIC(38, 9) CHECK (stop_price > 0),
  filled_quantity NUMERIC(38, 9) NOT NULL DEFAULT 0 CHECK (filled_quantity >= 0),
  average_price   NUMERIC(38, 9) CHECK (average_price >= 0),
  status          TEXT NOT NULL CHECK (
    status IN ('NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED')
  ),
  reject_reason   TEXT,
  strategy_id     TEXT,
  venue_order_id  TEXT,
  created_at      BIGINT NOT NULL CHECK (created_at >= 0),
  updated_at      BIGINT NOT NULL CHECK (updated_at >= 0),
  -- Idempotency across processes and restarts: a duplicate submit hits this.
  CONSTRAINT orders_account_client_order_id UNIQUE (account, client_order_id)
);
CREATE INDEX orders_account_seq ON orders (account, seq DESC);
CREATE INDEX orders_seq ON orders (seq DESC);
CREATE INDEX orders_open ON orders (account, symbol) WHERE status IN ('NEW', 'ACCEPTED', 'PARTIALLY_FILLED');

CREATE TABLE fills (
  id              TEXT PRIMARY KEY,
  seq             BIGINT GENERATED ALWAYS AS IDENTITY,
  order_id        TEXT NOT NULL REFERENCES orders (id),
  client_order_id TEXT NOT NULL,
  account         TEXT NOT NULL,
  venue           TEXT NOT NULL,
  symbol          TEXT NOT NULL,
  side            TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  price           NUMERIC(38, 9) NOT NULL CHECK (price > 0),
  quantity        NUMERIC(38, 9) NOT NULL CHECK (quantity > 0),
  fee             NUMERIC(38, 9) NOT NULL CHECK (fee >= 0),
  fee_currency    TEXT NOT NULL,
  liquidity       TEXT NOT NULL CHECK (liquidity IN ('MAKER', 'TAKER')),
  strategy_id     TEXT,
  ts_event        BIGINT NOT NULL CHECK (ts_event >= 0)
);
CREATE INDEX fills_order ON fills (order_id);
CREATE INDEX fills_account_seq ON fills (account, seq DESC);
CREATE INDEX fills_seq ON fills (seq DESC);

-- Unrealized P&L is not stored: it moves with every tick and is derived from
-- last_price, average_price and quantity when read.
CREATE TABLE positions (
  account       TEXT NOT NULL REFERENCES accounts (id),
  symbol        TEXT NOT NULL,
  venue         TEXT NOT NULL,
  -- Signed: negative is short.
  quantity      NUMERIC(38, 9) NOT NULL DEFAULT 0,
  average_price NUMERIC(38, 9) NOT NULL DEFAULT 0 CHECK (average_price >= 0),
  realized_pnl  NUMERIC(38, 9) NOT NULL DEFAULT 0,
  last_price    NUMERIC(38, 9) CHECK (last_price >= 0),
  currency      TEXT NOT NULL,
  updated_at    BIGINT NOT NULL,
  PRIMARY KEY (account, symbol)
);
