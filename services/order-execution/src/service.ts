import { type ExecutionReport, Subjects, type Subscription, Topics } from "@jts/contracts";
import { createServiceApp, dedupeById, InstrumentCatalog, type Runtime, type Service, serveChecked } from "@jts/kit";
import { t } from "elysia";
import { OrderManager } from "./manager.ts";
import { FillsQuery, ListOrdersQuery, OrderIdRequest, OrderRequest } from "./model.ts";
import { OrderStore } from "./store.ts";

export interface OrderExecutionOptions {
  catalog?: InstrumentCatalog;
  routes?: Record<string, string>;
  defaultAccount?: string;
}

export function createOrderExecutionService(runtime: Runtime, options: OrderExecutionOptions = {}) {
  const logger = runtime.logger.child({ service: "order-execution" });
  const store = new OrderStore();
  const manager = new OrderManager(
    store,
    options.catalog ?? new InstrumentCatalog(),
    runtime.bus,
    runtime.rpc,
    logger,
    {
      routes: options.routes ?? { sim: "paper" },
      defaultAccount: options.defaultAccount ?? "paper-main",
    },
  );
  const subscriptions: Subscription[] = [];

  const app = createServiceApp({ name: "order-execution", logger })
    .post(
      "/orders",
      async ({ body, set }) => {
        const { order, created } = await manager.submit(body);
        set.status = created ? 201 : 200;
        return order;
      },
      { body: OrderRequest },
    )
    .get("/orders", ({ query }) => store.list(query), { query: t.Omit(ListOrdersQuery, ["accounts"]) })
    .get("/orders/:id", ({ params }) => manager.get(params.id), { params: t.Object({ id: t.String() }) })
    .delete("/orders/:id", ({ params }) => manager.cancel(params.id), { params: t.Object({ id: t.String() }) })
    .get("/fills", () => store.listFills());

  return {
    name: "order-execution",
    app,
    manager,
    store,
    async start() {
      subscriptions.push(
        await runtime.bus.subscribe(
          Topics.executionReport,
          dedupeById((e) => manager.onReport(e.payload as ExecutionReport)),
          {
            group: "order-execution",
          },
        ),
        await serveChecked(runtime.rpc, Subjects.orderSubmit, OrderRequest, (request) => manager.submit(request)),
        await serveChecked(runtime.rpc, Subjects.orderCancel, OrderIdRequest, ({ orderId, accounts }) =>
          manager.cancel(orderId, accounts),
        ),
        await serveChecked(runtime.rpc, Subjects.orderGet, OrderIdRequest, ({ orderId, accounts }) =>
          manager.get(orderId, accounts),
        ),
        await serveChecked(runtime.rpc, Subjects.orderList, ListOrdersQuery, (query) => store.list(query)),
        await serveChecked(runtime.rpc, Subjects.fillList, FillsQuery, ({ accounts }) => store.listFills(accounts)),
      );
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  } satisfies Service & { manager: OrderManager; store: OrderStore };
}

export type App = ReturnType<typeof createOrderExecutionService>["app"];
