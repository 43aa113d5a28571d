import { type ExecutionReport, Subjects, type Subscription, Topics } from "@jts/contracts";
import {
  createServiceApp,
  InstrumentCatalog,
  type ReadinessCheck,
  type Runtime,
  type Service,
  serveChecked,
} from "@jts/kit";
import { t } from "elysia";
import { OrderManager } from "./manager.ts";
import { MemoryOrderRepository } from "./memory-repository.ts";
import { FillsQuery, ListOrdersQuery, OrderIdRequest, OrderRequest } from "./model.ts";
import type { OrderRepository } from "./repository.ts";

/** Something that runs while the service runs, such as the outbox relay. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface OrderExecutionOptions {
  catalog?: InstrumentCatalog;
  routes?: Record<string, string>;
  defaultAccount?: string;
  /** Where orders live; in memory, publishing straight to the bus, when omitted. */
  repository?: OrderRepository;
  /** Publishes what the repository commits (the Postgres outbox relay); started and stopped with the service. */
  relay?: Startable;
  /** Extra /ready checks, e.g. the database. */
  readiness?: Record<string, ReadinessCheck>;
}

export function createOrderExecutionService(runtime: Runtime, options: OrderExecutionOptions = {}) {
  const logger = runtime.logger.child({ service: "order-execution" });
  const repository = options.repository ?? new MemoryOrderRepository(runtime.bus);
  const manager = new OrderManager(repository, options.catalog ?? new InstrumentCatalog(), runtime.rpc, logger, {
    routes: options.routes ?? { sim: "paper" },
    defaultAccount: options.defaultAccount ?? "paper-main",
  });
  const subscriptions: Subscription[] = [];

  const app = createServiceApp({ name: "order-execution", logger, readiness: options.readiness })
    .post(
      "/orders",
      async ({ body, set }) => {
        const { order, created } = await manager.submit(body);
        set.status = created ? 201 : 200;
        return order;
      },
      { body: OrderRequest },
    )
    .get("/orders", ({ query }) => manager.list(query), { query: t.Omit(ListOrdersQuery, ["accounts"]) })
    .get("/orders/:id", ({ params }) => manager.get(params.id), { params: t.Object({ id: t.String() }) })
    .delete("/orders/:id", ({ params }) => manager.cancel(params.id), { params: t.Object({ id: t.String() }) })
    .get("/fills", () => manager.listFills());

  return {
    name: "order-execution",
    app,
    manager,
    repository,
    async start() {
      // First, so events committed before a restart go out before new ones.
      await options.relay?.start();
      subscriptions.push(
        // The repository records each report's event id with its state change: redeliveries are no-ops.
        await runtime.bus.subscribe(
          Topics.executionReport,
          (e) => manager.onReport(e.payload as ExecutionReport, e.id),
          { group: "order-execution" },
        ),
        await serveChecked(runtime.rpc, Subjects.orderSubmit, OrderRequest, (request) => manager.submit(request)),
        await serveChecked(runtime.rpc, Subjects.orderCancel, OrderIdRequest, ({ orderId, accounts }) =>
          manager.cancel(orderId, accounts),
        ),
        await serveChecked(runtime.rpc, Subjects.orderGet, OrderIdRequest, ({ orderId, accounts }) =>
          manager.get(orderId, accounts),
        ),
        await serveChecked(runtime.rpc, Subjects.orderList, ListOrdersQuery, (query) => manager.list(query)),
        await serveChecked(runtime.rpc, Subjects.fillList, FillsQuery, ({ accounts }) => manager.listFills(accounts)),
      );
      // After the report consumer is live, so the reports of a resumed order are folded in.
      const resumed = await manager.resumeNew();
      if (resumed > 0) logger.warn("resumed orders left NEW by the last run", { count: resumed });
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
      // Last, so it drains what the handlers above committed.
      await options.relay?.stop();
    },
  } satisfies Service & { manager: OrderManager; repository: OrderRepository };
}

export type App = ReturnType<typeof createOrderExecutionService>["app"];
