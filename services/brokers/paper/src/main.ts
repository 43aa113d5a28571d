import { int, loadConfig, runStandalone } from "@jts/kit";
import { createPaperService } from "./service.ts";

const config = loadConfig({ PAPER_PORT: int(3010, { min: 0, max: 65535 }) });

await runStandalone("broker-paper", config.PAPER_PORT, (runtime) => createPaperService(runtime));
