import { runStandalone } from "@jts/kit";
import { loadCreonConfig } from "./config.ts";
import { createCreonService } from "./service.ts";

const { settings, port } = loadCreonConfig();
const symbols = (process.env.CREON_SYMBOLS ?? "005930").split(",").filter(Boolean);

await runStandalone("broker-creon", port, (runtime) => createCreonService(runtime, { settings, symbols }));
