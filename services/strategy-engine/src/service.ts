import {
  type Fill,
  Id,
  type Order,
  type StrategyConfig,
  Subjects,
  type Subscription,
  type Tick,
  Topics,
} from "@jts/contracts";
import { createServiceApp, type Runtime, type Service, serveChecked } from "@jts/kit";
import { t } from "elysia";
import { StrategyEngine } from "./engine.ts";

const StrategyIdRequest = t.Object({ id: Id });

export interface StrategyEngineOptions {
  strategies: readonly StrategyConfig[];
  cooldownMs?: number;
}

export function createStrategyService(runtime: Runtime, options: StrategyEngineOptions) {
  const logger = runtime.logger.child({ service: "strategy-engine" });
  const engine = new StrategyEngine(runtime.bus, runtime.rpc, logger, options.cooldownMs ?? 5000);
  for (const config of options.strategies) engine.add(config);
  const subscriptions: Subscription[] = [];

  const app = createServiceApp({ name: "strategy-engine", logger })
    .get("/strategies", () => engine.list())
    .post("/strategies/:id/start", ({ params }) => engine.setRunning(params.id, true), { params: StrategyIdRequest })
    .post("/strategies/:id/stop", ({ params }) => engine.setRunning(params.id, false), { params: StrategyIdRequest });

  return {
    name: "strategy-engine",
    app,
    engine,
    async start() {
      subscriptions.push(
        await runtime.bus.subscribe(Topics.allTicks, (e) => engine.onTick(e.payload as Tick), {
          group: "strategy-engine",
        }),
        await runtime.bus.subscribe(Topics.fill, (e) => engine.onFill(e.payload as Fill), { group: "strategy-engine" }),
        await runtime.bus.subscribe(Topics.orderUpdated, (e) => engine.onOrder(e.payload as Order), {
          group: "strategy-engine",
        }),
        await runtime.rpc.serve(Subjects.strategyList, () => engine.list()),
        await serveChecked(runtime.rpc, Subjects.strategyStart, StrategyIdRequest, ({ id }) =>
          engine.setRunning(id, true),
        ),
        await serveChecked(runtime.rpc, Subjects.strategyStop, StrategyIdRequest, ({ id }) =>
          engine.setRunning(id, false),
        ),
      );
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  } satisfies Service & { engine: StrategyEngine };
}

export type App = ReturnType<typeof createStrategyService>["app"];
