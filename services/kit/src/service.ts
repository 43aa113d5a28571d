import type { AnyElysia } from "elysia";
import { exportConsumerLag } from "./consumer-lag.ts";
import { metricsOf } from "./http.ts";
import { createLogger } from "./log.ts";
import type { Runtime } from "./runtime.ts";
import { closeRuntime, runtimeFromEnv } from "./runtime-env.ts";
import { Lifecycle } from "./shutdown.ts";

/**
 * A service is an Elysia app plus the bus and rpc wiring it needs. `start`
 * subscribes and serves rpc; `stop` drains them. Listening on a port is the
 * composition root's job, so one process can host one service or all of them.
 */
export interface Service<App extends AnyElysia = AnyElysia> {
  name: string;
  app: App;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Listening {
  name: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function listen(service: Service, port: number, hostname = "127.0.0.1"): Promise<Listening> {
  service.app.listen({ port, hostname });
  const server = service.app.server;
  if (!server) throw new Error(`${service.name} did not start listening`);
  return {
    name: service.name,
    port: server.port ?? port,
    url: `http://${hostname}:${server.port}`,
    close: async () => {
      await service.app.stop();
    },
  };
}

/**
 * `bun services/<name>/src/main.ts`: one service alone on its port, on the
 * transports the environment names (JTS_BUS, JTS_RPC, JTS_CACHE). With the
 * in-memory defaults it answers only its own routes.
 */
export async function runStandalone(
  name: string,
  port: number,
  create: (runtime: Runtime) => Service | Promise<Service>,
): Promise<void> {
  const logger = createLogger({ app: "jts", service: name });
  const runtime = await runtimeFromEnv(logger, name);
  const service = await create(runtime);
  // The bus's consumer lag on this service's /metrics (Kafka only: jts_consumer_lag_messages).
  const metrics = metricsOf(service.app);
  if (metrics) exportConsumerLag(runtime.bus, metrics);
  const lifecycle = new Lifecycle(logger);
  await service.start();
  const listening = await listen(service, port, process.env.JTS_HOST ?? "127.0.0.1");
  lifecycle.onStop("transports", () => closeRuntime(runtime));
  lifecycle.onStop(name, () => service.stop());
  lifecycle.onStop("http", () => listening.close());
  lifecycle.handleSignals();
  // A driver's background failure (a Kafka consumer crash it restarts itself) must
  // not take the whole service down: log it, keep serving, let /ready tell.
  process.on("unhandledRejection", (error) => logger.error("unhandled rejection", { error }));
  logger.info("listening", { url: listening.url });
}
