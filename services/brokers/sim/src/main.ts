import { int, loadConfig, runStandalone } from "@jts/kit";
import { createSimService } from "./service.ts";

const config = loadConfig({
  SIM_PORT: int(3015, { min: 0, max: 65535 }),
  SIM_SEED: int(42),
  SIM_INTERVAL_MS: int(250, { min: 1 }),
});

await runStandalone("broker-sim", config.SIM_PORT, (runtime) =>
  createSimService(runtime, { seed: config.SIM_SEED, intervalMs: config.SIM_INTERVAL_MS }),
);
