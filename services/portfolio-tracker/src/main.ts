import { DEFAULT_ADMIN_USER, durableStoreUrl, int, loadConfig, oneOf, runStandalone, str } from "@jts/kit";
import { connectPostgres, migrate } from "@jts/kit/postgres";
import type { AccountSeed } from "./ledger.ts";
import { postgresPortfolioStorage } from "./postgres.ts";
import { parseAccountSeeds } from "./seeds.ts";
import { createPortfolioService } from "./service.ts";

const config = loadConfig({
  PORTFOLIO_PORT: int(3005, { min: 0, max: 65535 }),
  JTS_ADMIN_USER: str(DEFAULT_ADMIN_USER),
  JTS_PAPER_CASH: str("100000000"),
  /** Accounts, cash and positions in PostgreSQL when set (postgres://...); in memory otherwise. */
  DATABASE_URL: durableStoreUrl("accounts, balances and positions"),
  /** More accounts, e.g. "paper-usdt:admin:paper:USDT:10000,paper-usd:admin:paper:USD:10000". */
  JTS_EXTRA_ACCOUNTS: str(""),
  /** "enabled" lets an admin arm accounts for live trading; anything else keeps every account on paper. */
  JTS_LIVE_TRADING: oneOf(["disabled", "enabled"], "disabled"),
  /** Periodic equity snapshots of every account (0: only after fills). */
  PORTFOLIO_EQUITY_INTERVAL_MS: int(60_000, { min: 0 }),
  /** With DATABASE_URL: the longest the in-memory read model answers before reading the database again (0: never). */
  PORTFOLIO_READ_MODEL_MAX_AGE_MS: int(5000, { min: 0 }),
});

// Only the first start with an empty database uses JTS_PAPER_CASH; later starts keep the balance.
const accounts: AccountSeed[] = [
  {
    id: "paper-main",
    owner: config.JTS_ADMIN_USER,
    venue: "sim",
    baseCurrency: "KRW",
    startingCash: config.JTS_PAPER_CASH,
  },
  ...parseAccountSeeds(config.JTS_EXTRA_ACCOUNTS),
];
const settings = {
  accounts,
  liveTradingEnabled: config.JTS_LIVE_TRADING === "enabled",
  equityIntervalMs: config.PORTFOLIO_EQUITY_INTERVAL_MS,
  readModelMaxAgeMs: config.PORTFOLIO_READ_MODEL_MAX_AGE_MS,
};

const sql = config.DATABASE_URL ? connectPostgres(config.DATABASE_URL, { applicationName: "portfolio-tracker" }) : null;
if (sql) await migrate(sql);

await runStandalone("portfolio-tracker", config.PORTFOLIO_PORT, (runtime) => {
  if (!sql) return createPortfolioService(runtime, settings);
  const service = createPortfolioService(runtime, { ...settings, ...postgresPortfolioStorage(sql) });
  return {
    ...service,
    async stop() {
      await service.stop();
      await sql.end({ timeout: 5 });
    },
  };
});
