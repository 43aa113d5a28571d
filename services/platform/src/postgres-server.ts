/**
 * Runs the embedded PostgreSQL of `just dev` as a server of its own for
 * `just stack` and the multi-process tests (host/servers/postgres starts it):
 * the same binaries and data layout, on PG_PORT, until SIGTERM or SIGINT.
 */
import { resolve } from "node:path";
import { createLogger, int, loadConfig, str } from "@jts/kit";
import { startEmbeddedPostgres } from "@jts/kit/postgres";

const config = loadConfig({
  PG_PORT: int(5432, { min: 1, max: 65535 }),
  PG_DATA_DIR: str(resolve(import.meta.dir, "../../../.data/postgres")),
});
const logger = createLogger({ app: "jts", service: "postgres" });
const server = await startEmbeddedPostgres({ dataDir: config.PG_DATA_DIR, port: config.PG_PORT });
logger.info("postgres ready", { port: config.PG_PORT, dataDir: config.PG_DATA_DIR, firstStart: server.initialised });

const stop = async (signal: string) => {
  logger.info("stopping postgres", { signal });
  await server.stop();
  process.exit(0);
};
process.once("SIGTERM", () => void stop("SIGTERM"));
process.once("SIGINT", () => void stop("SIGINT"));
