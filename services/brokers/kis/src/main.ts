import { runStandalone } from "@jts/kit";
import { loadKisConfig } from "./config.ts";
import { createKisService } from "./service.ts";

const { settings, port } = loadKisConfig();
const symbols = (process.env.KIS_SYMBOLS ?? "005930").split(",").filter(Boolean);

await runStandalone("broker-kis", port, (runtime) => createKisService(runtime, { settings, symbols }));
