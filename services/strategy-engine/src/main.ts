import { int, loadConfig, oneOf, runStandalone } from "@jts/kit";
import { defaultStrategies } from "./defaults.ts";
import { createStrategyService } from "./service.ts";

const config = loadConfig({
  STRATEGY_PORT: int(3001, { min: 0, max: 65535 }),
  STRATEGIES: oneOf(["on", "off"] as const, "on"),
  STRATEGY_COOLDOWN_MS: int(5000, { min: 0 }),
});

await runStandalone("strategy-engine", config.STRATEGY_PORT, (runtime) =>
  createStrategyService(runtime, {
    strategies: defaultStrategies("paper-main").map((s) => ({ ...s, enabled: config.STRATEGIES === "on" })),
    cooldownMs: config.STRATEGY_COOLDOWN_MS,
  }),
);
