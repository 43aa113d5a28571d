import { runStandalone } from "@jts/kit";
import { loadUpbitConfig } from "./config.ts";
import { createUpbitService } from "./service.ts";

const config = loadUpbitConfig();

await runStandalone("broker-upbit", config.UPBIT_PORT, (runtime) => createUpbitService(runtime, config).service);
