-- Users, trading accounts and their cash.
-- Conventions for every migration: money is NUMERIC(38,9) (exact, the 9
-- decimals of contracts/src/decimal.ts), never float; time is BIGINT
-- nanoseconds since the epoch, like the contracts' Nanos (int8 lasts until
-- 2262 and compares faster than NUMERIC(20,0)); enums are TEXT with a CHECK.

CREATE FUNCTION jts_now_ns() RETURNS BIGINT LANGUAGE sql VOLATILE AS $$
  SELECT (extract(epoch FROM clock_timestamp()) * 1000000000)::BIGINT
$$;

CREATE TABLE users (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64),
  -- argon2id (Bun.password); never the password itself.
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'trader', 'viewer')),
  disabled      BOOLEAN NOT NULL DEFAULT false,
  created_at    BIGINT NOT NULL DEFAULT jts_now_ns(),
  updated_at    BIGINT NOT NULL DEFAULT jts_now_ns()
);

CREATE TABLE accounts (
  id            TEXT PRIMARY KEY,
  owner         TEXT NOT NULL REFERENCES users (username) ON UPDATE CASCADE,
  venue         TEXT NOT NULL CHECK (venue IN ('sim', 'paper', 'binance', 'upbit', 'kis', 'creon')),
  kind          TEXT NOT NULL CHECK (kind IN ('CASH', 'MARGIN')),
  base_currency TEXT NOT NULL CHECK (base_currency ~ '^[A-Z]{2,6}$'),
  created_at    BIGINT NOT NULL DEFAULT jts_now_ns()
);
CREATE INDEX accounts_owner ON accounts (owner);

CREATE TABLE balances (
  account    TEXT NOT NULL REFERENCES accounts (id),
  currency   TEXT NOT NULL CHECK (currency ~ '^[A-Z]{2,6}$'),
  total      NUMERIC(38, 9) NOT NULL DEFAULT 0,
  -- Held by open buy orders.
  locked     NUMERIC(38, 9) NOT NULL DEFAULT 0 CHECK (locked >= 0),
  free       NUMERIC(38, 9) GENERATED ALWAYS AS (total - locked) STORED,
  updated_at BIGINT NOT NULL DEFAULT jts_now_ns(),
  PRIMARY KEY (account, currency)
);
