import { runStandalone } from "@jts/kit";
import { loadBinanceConfig } from "./config.ts";
import { createBinanceService } from "./service.ts";

const config = loadBinanceConfig();

await runStandalone("broker-binance", config.BINANCE_PORT, (runtime) => createBinanceService(runtime, config).service);
