import type { AnyElysia } from "elysia";
import { createLogger } from "./log.ts";
import { memoryRuntime, type Runtime } from "./runtime.ts";
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
 * `bun services/<name>/src/main.ts`: one service alone on its port. With the
 * in-memory ports it answers its own routes; it talks to other processes once
 * real transports are configured.
 */
export async function runStandalone(name: string, port: number, create: (runtime: Runtime) => Service): Promise<void> {
  const logger = createLogger({ app: "jts", service: name });
  const runtime = memoryRuntime(logger);
  const service = create(runtime);
  const lifecycle = new Lifecycle(logger);
  await service.start();
  const listening = await listen(service, port, process.env.JTS_HOST ?? "127.0.0.1");
  lifecycle.onStop("transports", async () => {
    await runtime.bus.close();
    await runtime.rpc.close();
    await runtime.cache.close();
  });
  lifecycle.onStop(name, () => service.stop());
  lifecycle.onStop("http", () => listening.close());
  lifecycle.handleSignals();
  logger.info("listening", { url: listening.url });
}
