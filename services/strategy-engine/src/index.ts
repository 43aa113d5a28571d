export { defaultStrategies } from "./defaults.ts";
export { StrategyEngine } from "./engine.ts";
export { MaCrossover } from "./ma-crossover.ts";
export { type App, createStrategyService, type StrategyEngineOptions } from "./service.ts";
export type { Strategy, StrategyIntent } from "./strategy.ts";
