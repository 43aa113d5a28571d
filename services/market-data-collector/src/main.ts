import { int, loadConfig, runStandalone } from "@jts/kit";
import { createMarketDataService } from "./service.ts";

const config = loadConfig({ MARKET_DATA_PORT: int(3004, { min: 0, max: 65535 }) });

await runStandalone("market-data-collector", config.MARKET_DATA_PORT, (runtime) => createMarketDataService(runtime));
