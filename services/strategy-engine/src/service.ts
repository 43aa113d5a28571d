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
import { createServiceApp, MemoryDocumentStore, type Runtime, type Service, serveChecked } from "@jts/kit";
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
  const engine = new StrategyEngine(runtime.bus, runtime.rpc, logger, options.cooldownMs ?? 5000);
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
    },
  } satisfies Service & { engine: StrategyEngine };
}

export type App = ReturnType<typeof createStrategyService>["app"];
