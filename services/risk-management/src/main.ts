import { int, loadConfig, runStandalone } from "@jts/kit";
import { createRiskService } from "./service.ts";

const config = loadConfig({ RISK_PORT: int(3002, { min: 0, max: 65535 }) });

await runStandalone("risk-management", config.RISK_PORT, (runtime) => createRiskService(runtime));
