export { AccountBook } from "./book.ts";
export { riskConfigSpec, riskOptionsFrom } from "./config.ts";
export { RiskEngine, type RiskEngineOptions } from "./engine.ts";
export { TERMINAL_STATUSES } from "./orders.ts";
export { submitRateRefusal } from "./rates.ts";
export { type App, createRiskService, DEFAULT_RISK_LIMITS, type RiskServiceOptions } from "./service.ts";
export { sessionConfigSpec, sessionsFor } from "./sessions.ts";
