export { RiskEngine } from "./engine.ts";
export { type App, createRiskService, DEFAULT_RISK_LIMITS } from "./service.ts";
