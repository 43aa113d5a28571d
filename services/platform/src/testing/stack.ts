import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomServiceToken } from "@jts/kit";
import type { Subprocess } from "bun";

const root = resolve(import.meta.dir, "../../../..");

/** Every service of `just stack`, in start order (consumers first, the feed last). */
export const STACK_SERVICES = [
  { name: "risk-management", entry: "services/risk-management/src/main.ts", portEnv: "RISK_PORT" },
  { name: "broker-paper", entry: "services/brokers/paper/src/main.ts", portEnv: "PAPER_PORT" },
  { name: "order-execution", entry: "services/order-execution/src/main.ts", portEnv: "ORDER_PORT" },
  { name: "portfolio-tracker", entry: "services/portfolio-tracker/src/main.ts", portEnv: "PORTFOLIO_PORT" },
  { name: "market-data-collector", entry: "services/market-data-collector/src/main.ts", portEnv: "MARKET_DATA_PORT" },
  { name: "notification-service", entry: "services/notification-service/src/main.ts", portEnv: "NOTIFICATION_PORT" },
  { name: "strategy-engine", entry: "services/strategy-engine/src/main.ts", portEnv: "STRATEGY_PORT" },
  { name: "api-gateway", entry: "services/api-gateway/src/main.ts", portEnv: "GATEWAY_PORT" },
  { name: "broker-sim", entry: "services/brokers/sim/src/main.ts", portEnv: "SIM_PORT" },
] as const;

export type StackServiceName = (typeof STACK_SERVICES)[number]["name"];

export interface TestStack {
  url(name: StackServiceName): string;
  start(name: StackServiceName): Promise<void>;
  /** Signals one service and waits for it to exit. */
  kill(name: StackServiceName, signal: "SIGKILL" | "SIGTERM"): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The stack as processes for multi-process tests: each service runs its own
 * main on a port from `basePort`, with `env` (transports, namespace, URLs).
 * Logs go to `logDir/<service>.log`.
 */
export async function startTestStack(options: {
  env: Record<string, string>;
  basePort: number;
  logDir: string;
}): Promise<TestStack> {
  mkdirSync(options.logDir, { recursive: true });
  const ports = Object.fromEntries(STACK_SERVICES.map((s, i) => [s.name, options.basePort + i])) as Record<
    StackServiceName,
    number
  >;
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...options.env };
  // One service credential for the whole stack, as `just stack` makes: each process would otherwise make its own.
  env.JTS_SERVICE_TOKEN ||= randomServiceToken();
  for (const s of STACK_SERVICES) env[s.portEnv] = String(ports[s.name]);
  const running = new Map<StackServiceName, Subprocess>();
  let generation = 0;

  const url = (name: StackServiceName) => `http://127.0.0.1:${ports[name]}`;

  const start = async (name: StackServiceName) => {
    const service = STACK_SERVICES.find((s) => s.name === name);
    if (!service) throw new Error(`unknown service ${name}`);
    const log = Bun.file(join(options.logDir, `${name}.${++generation}.log`));
    const child = Bun.spawn(["bun", join(root, service.entry)], { env, stdout: log, stderr: log, cwd: root });
    running.set(name, child);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see ${log.name}`);
      const ok = await fetch(`${url(name)}/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`${name} not healthy after 60 s; see ${log.name}`);
      await Bun.sleep(100);
    }
  };

  const kill = async (name: StackServiceName, signal: "SIGKILL" | "SIGTERM") => {
    const child = running.get(name);
    if (!child) return;
    child.kill(signal);
    await Promise.race([child.exited, Bun.sleep(15_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await child.exited;
    running.delete(name);
  };

  const stop = async () => {
    for (const service of [...STACK_SERVICES].reverse()) await kill(service.name, "SIGTERM");
  };

  try {
    for (const service of STACK_SERVICES) await start(service.name);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, start, kill, stop };
}
