-- Live-trading arming and equity snapshots (services/portfolio-tracker).

-- Every account trades on paper until an admin arms it; the portfolio owns the
-- flag and announces each change on portfolio.account-mode for the OMS.
ALTER TABLE accounts ADD COLUMN mode TEXT NOT NULL DEFAULT 'PAPER' CHECK (mode IN ('PAPER', 'LIVE'));

-- An account's equity per currency over time: cash plus open positions at
-- their last price, written periodically and after every fill.
CREATE TABLE equity_snapshots (
  seq      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account  TEXT NOT NULL REFERENCES accounts (id),
  currency TEXT NOT NULL CHECK (currency ~ '^[A-Z]{2,6}$'),
  equity   NUMERIC(38, 9) NOT NULL,
  ts       BIGINT NOT NULL
);
CREATE INDEX equity_snapshots_account_ts ON equity_snapshots (account, ts);
