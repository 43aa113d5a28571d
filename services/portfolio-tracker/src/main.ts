import { int, loadConfig, runStandalone, str } from "@jts/kit";
import { connectPostgres, migrate } from "@jts/kit/postgres";
import type { AccountSeed } from "./ledger.ts";
import { postgresPortfolioStorage } from "./postgres.ts";
import { createPortfolioService } from "./service.ts";

const config = loadConfig({
  PORTFOLIO_PORT: int(3005, { min: 0, max: 65535 }),
  JTS_ADMIN_USER: str("admin"),
  JTS_PAPER_CASH: str("100000000"),
  /** Accounts, cash and positions in PostgreSQL when set (postgres://...); in memory otherwise. */
  DATABASE_URL: str(""),
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
];

const sql = config.DATABASE_URL ? connectPostgres(config.DATABASE_URL, { applicationName: "portfolio-tracker" }) : null;
if (sql) await migrate(sql);

await runStandalone("portfolio-tracker", config.PORTFOLIO_PORT, (runtime) => {
  if (!sql) return createPortfolioService(runtime, { accounts });
  const service = createPortfolioService(runtime, { accounts, ...postgresPortfolioStorage(sql) });
  return {
    ...service,
    async stop() {
      await service.stop();
      await sql.end({ timeout: 5 });
    },
  };
});
