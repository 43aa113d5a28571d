import { int, loadConfig, runStandalone } from "@jts/kit";
import { defaultStrategies } from "./defaults.ts";
import { createStrategyService } from "./service.ts";

const config = loadConfig({ STRATEGY_PORT: int(3001, { min: 0, max: 65535 }) });

await runStandalone("strategy-engine", config.STRATEGY_PORT, (runtime) =>
  createStrategyService(runtime, { strategies: defaultStrategies("paper-main") }),
);
