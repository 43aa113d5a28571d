import { int, loadConfig, runStandalone } from "@jts/kit";
import { createOrderExecutionService } from "./service.ts";

const config = loadConfig({ ORDER_PORT: int(3003, { min: 0, max: 65535 }) });

await runStandalone("order-execution", config.ORDER_PORT, (runtime) => createOrderExecutionService(runtime));
