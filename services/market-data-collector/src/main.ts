import { createLogger, int, loadConfig, oneOf, runStandalone, str } from "@jts/kit";
import { openTickStore } from "@jts/kit/clickhouse";
import { createMarketDataService } from "./service.ts";

const config = loadConfig({
  MARKET_DATA_PORT: int(3004, { min: 0, max: 65535 }),
  /** clickhouse: CLICKHOUSE_URL when set, else embedded chdb in CHDB_PATH (default <repo>/.data/chdb). */
  CANDLE_HISTORY: oneOf(["clickhouse", "memory"] as const, "clickhouse"),
  CLICKHOUSE_URL: str(""),
  CHDB_PATH: str(""),
  TICK_RETENTION_DAYS: int(30, { min: 0 }),
  /** Tiered storage: the ClickHouse storage policy (`tiered` from host/provision); empty: off, as chdb needs. */
  CLICKHOUSE_STORAGE_POLICY: str(""),
  CLICKHOUSE_WARM_AFTER_DAYS: int(7, { min: 0 }),
  CLICKHOUSE_COLD_AFTER_DAYS: int(90, { min: 0 }),
});

const history =
  config.CANDLE_HISTORY === "clickhouse"
    ? await openTickStore({
        url: config.CLICKHOUSE_URL || undefined,
        path: config.CHDB_PATH || undefined,
        retentionDays: config.TICK_RETENTION_DAYS,
        storagePolicy: config.CLICKHOUSE_STORAGE_POLICY,
        warmAfterDays: config.CLICKHOUSE_WARM_AFTER_DAYS,
        coldAfterDays: config.CLICKHOUSE_COLD_AFTER_DAYS,
        logger: createLogger({ app: "jts", service: "market-data-collector" }),
      })
    : undefined;

await runStandalone("market-data-collector", config.MARKET_DATA_PORT, (runtime) =>
  createMarketDataService(runtime, { history }),
);
