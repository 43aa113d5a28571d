import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError, createLogger, envValue, Lifecycle, loadConfig, serviceCredential } from "@jts/kit";
import { bootPlatform } from "./boot.ts";
import { platformConfigSpec } from "./config.ts";

/** A refused configuration ends the process with its reasons (exit 2), not a stack trace. */
function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

let config: ReturnType<typeof loadConfig<typeof platformConfigSpec>>;
try {
  config = loadConfig(platformConfigSpec);
  serviceCredential(); // production refuses a missing or weak JTS_SERVICE_TOKEN here, with the other problems' exit code
} catch (error) {
  exitOnConfigError(error);
}

const logger = createLogger({ app: "jts" }, config.LOG_LEVEL);
const webDist = resolve(import.meta.dir, "../../../web/dist");
const hasWeb = existsSync(resolve(webDist, "index.html"));
if (!hasWeb) logger.warn("web/dist is missing: run `bun run --cwd web build` (just dev does) to serve the PWA");

const platform = await bootPlatform(config, { logger, webDist: hasWeb ? webDist : undefined }).catch(exitOnConfigError);
const lifecycle = new Lifecycle(logger, 10_000);
lifecycle.onStop("platform", () => platform.stop());
lifecycle.handleSignals();

const width = Math.max(...Object.keys(platform.urls).map((name) => name.length));
const lines = Object.entries(platform.urls).map(([name, url]) => `  ${name.padEnd(width)}  ${url}`);
// A password given in the environment is never echoed (terminal scrollback, CI logs); only the public dev default is.
const passwordGiven = Boolean(envValue(process.env, "JTS_ADMIN_PASSWORD"));
const devLogin =
  config.mode === "production" || passwordGiven
    ? `  login: ${config.JTS_ADMIN_USER} with the JTS_ADMIN_PASSWORD you set`
    : `  login: ${config.JTS_ADMIN_USER} / ${config.JTS_ADMIN_PASSWORD}  (dev default; set JTS_ADMIN_PASSWORD to change)`;
process.stdout.write(
  [
    "",
    "JTS is running (paper trading on the simulated venue). Ctrl-C stops everything.",
    hasWeb ? `  open:   ${platform.urls.web}` : "  (PWA not built)",
    devLogin,
    ...lines,
    "",
  ].join("\n"),
);
