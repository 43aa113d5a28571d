export { defaultStrategies } from "./defaults.ts";
export { rpcOrderRouter, StrategyEngine } from "./engine.ts";
export { checkParams, kindInfos, kindOf, paramProblems, STRATEGY_KIND_DEFINITIONS } from "./sdk/kinds.ts";
export { PnlBook, type PnlState } from "./sdk/pnl.ts";
export { type OrderRouter, type RunnerDeps, type RunnerState, StrategyRunner } from "./sdk/runner.ts";
export type { OrderIntent, Strategy, StrategyContext, StrategyKindDefinition } from "./sdk/strategy.ts";
export { type App, createStrategyService, type StrategyServiceOptions } from "./service.ts";
export { StrategyStateStore } from "./state-store.ts";
