import {
  InstrumentCatalog,
  int,
  loadConfig,
  runStandalone,
  sessionConfigSpec,
  sessionEndFor,
  sessionsFor,
} from "@jts/kit";
import { createPaperService } from "./service.ts";

const config = loadConfig({
  PAPER_PORT: int(3010, { min: 0, max: 65535 }),
  // The sessions risk trades by: DAY orders end at their instrument's close (15:30 KST for KRX stocks).
  ...sessionConfigSpec,
});
const catalog = new InstrumentCatalog();
const sessionEnd = sessionEndFor(catalog, sessionsFor(config));

await runStandalone("broker-paper", config.PAPER_PORT, (runtime) =>
  createPaperService(runtime, { catalog, sessionEnd }),
);
