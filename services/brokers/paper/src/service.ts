import {
  CancelOrderCommand,
  OpenOrdersQuery,
  PlaceOrderCommand,
  type Quote,
  Subjects,
  type Subscription,
  Topics,
} from "@jts/contracts";
import { createServiceApp, InstrumentCatalog, type Runtime, type Service, serveChecked } from "@jts/kit";
import { t } from "elysia";
import { PaperBroker } from "./broker.ts";

export const PAPER_BROKER = "paper";

export function createPaperService(runtime: Runtime, options: { catalog?: InstrumentCatalog } = {}) {
  const logger = runtime.logger.child({ service: "broker-paper" });
  const broker = new PaperBroker(runtime.bus, options.catalog ?? new InstrumentCatalog(), logger);
  const subscriptions: Subscription[] = [];

  const app = createServiceApp({ name: "broker-paper", logger }).get(
    "/open-orders",
    ({ query }) => broker.openOrders(query.account),
    { query: t.Object({ account: t.Optional(t.String()) }) },
  );

  return {
    name: "broker-paper",
    app,
    broker,
    async start() {
      subscriptions.push(
        await runtime.bus.subscribe(
          Topics.allQuotes,
          (event) => broker.publish(broker.onQuote(event.payload as Quote)),
          {
            group: "broker-paper",
          },
        ),
        // The reply goes first; the reports follow on the bus, as from a real venue.
        await serveChecked(runtime.rpc, Subjects.brokerPlace(PAPER_BROKER), PlaceOrderCommand, ({ order }) => {
          const { ack, reports } = broker.place(order);
          queueMicrotask(() => void broker.publish(reports));
          return ack;
        }),
        await serveChecked(runtime.rpc, Subjects.brokerCancel(PAPER_BROKER), CancelOrderCommand, (command) => {
          const { ack, reports } = broker.cancel(command);
          queueMicrotask(() => void broker.publish(reports));
          return ack;
        }),
        await serveChecked(runtime.rpc, Subjects.brokerOpenOrders(PAPER_BROKER), OpenOrdersQuery, ({ account }) =>
          broker.openOrders(account),
        ),
      );
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((s) => s.unsubscribe()));
    },
  } satisfies Service & { broker: PaperBroker };
}

export type App = ReturnType<typeof createPaperService>["app"];
