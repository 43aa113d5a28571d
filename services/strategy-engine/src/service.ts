import { hostname } from "node:os";
import {
  type DocumentStore,
  type Fill,
  Id,
  type Order,
  type StrategyConfig,
  Subjects,
  type Subscription,
  type Tick,
  Topics,
} from "@jts/contracts";
import {
  createServiceApp,
  holdLeadership,
  type Leadership,
  MemoryDocumentStore,
  newId,
  type Runtime,
  type Service,
  serveChecked,
} from "@jts/kit";
import { t } from "elysia";
import { StrategyDefinitions } from "./definitions.ts";
import { StrategyEngine } from "./engine.ts";

const StrategyIdRequest = t.Object({ id: Id });

export interface StrategyEngineOptions {
  /** Definitions stored when missing (a fresh install's defaults); stored definitions win. */
  strategies: readonly StrategyConfig[];
  /** Where definitions live; in memory when not given. */
  documents?: DocumentStore;
  cooldownMs?: number;
}

export function createStrategyService(runtime: Runtime, options: StrategyEngineOptions) {
  const logger = runtime.logger.child({ service: "strategy-engine" });
  // One active engine: instances share a fenced lock and only its holder sends orders.
  let leadership: Leadership | null = null;
  const engine = new StrategyEngine(
    runtime.bus,
    runtime.rpc,
    logger,
    options.cooldownMs ?? 5000,
    () => leadership?.token != null,
  );
  const definitions = new StrategyDefinitions(options.documents ?? new MemoryDocumentStore(), logger);
  const subscriptions: Subscription[] = [];

  const setRunning = async (id: string, running: boolean) => {
    const status = engine.setRunning(id, running);
    await definitions.setEnabled(id, running);
    return status;
  };

  const app = createServiceApp({ name: "strategy-engine", logger })
    .get("/strategies", () => engine.list())
    .post("/strategies/:id/start", ({ params }) => setRunning(params.id, true), { params: StrategyIdRequest })
    .post("/strategies/:id/stop", ({ params }) => setRunning(params.id, false), { params: StrategyIdRequest });

  return {
    name: "strategy-engine",
    app,
    engine,
    async start() {
      for (const config of await definitions.loadOrSeed(options.strategies)) engine.add(config);
      leadership = await holdLeadership(runtime.lock, "strategy-engine", `${hostname()}-${process.pid}-${newId()}`, {
        ttlMs: 10_000,
        onAcquired: (token) => logger.info("this engine instance is active", { token }),
        onLost: (token, reason) => logger.warn("this engine instance stands by", { token, reason }),
        onError: (error) => logger.warn("strategy lock call failed", { error: (error as Error).message }),
      });
      subscriptions.push(
        await runtime.bus.subscribe(Topics.allTicks, (e) => engine.onTick(e.payload as Tick), {
          group: "strategy-engine",
        }),
        await runtime.bus.subscribe(Topics.fill, (e) => engine.onFill(e.payload as Fill), { group: "strategy-engine" }),
        await runtime.bus.subscribe(Topics.orderUpdated, (e) => engine.onOrder(e.payload as Order), {
          group: "strategy-engine",
        }),
        await runtime.rpc.serve(Subjects.strategyList, () => engine.list()),
        await serveChecked(runtime.rpc, Subjects.strategyStart, StrategyIdRequest, ({ id }) => setRunning(id, true)),
        await serveChecked(runtime.rpc, Subjects.strategyStop, StrategyIdRequest, ({ id }) => setRunning(id, false)),
      );
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
      await leadership?.stop();
    },
  } satisfies Service & { engine: StrategyEngine };
}

export type App = ReturnType<typeof createStrategyService>["app"];
