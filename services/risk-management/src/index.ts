export { AccountBook } from "./book.ts";
export { RiskEngine, type RiskEngineOptions } from "./engine.ts";
export { submitRateRefusal } from "./rates.ts";
export { type App, createRiskService, DEFAULT_RISK_LIMITS, type RiskServiceOptions } from "./service.ts";
export { sessionConfigSpec, sessionsFor } from "./sessions.ts";
