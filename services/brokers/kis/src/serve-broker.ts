import {
  AccountQuery,
  type Balance,
  type BrokerAck,
  CancelOrderCommand,
  type EventBus,
  EventTypes,
  type ExecutionReport,
  OpenOrdersQuery,
  type Order,
  PlaceOrderCommand,
  type Position,
  QueryOrderCommand,
  type RpcTransport,
  Subjects,
  type Subscription,
  type Tick,
  Topics,
  type VenueOrder,
} from "@jts/contracts";
import { envelope, serveChecked } from "@jts/kit";

/**
 * The broker contract (rpc broker.<name>.*) over any venue client. A stand-in
 * for the broker-contract wrapper of the shared connector kit: the Creon
 * service uses it too, and both switch to the kit's together.
 */
export interface BrokerClient {
  place(order: Order): Promise<{ ack: BrokerAck; reports: ExecutionReport[] }>;
  cancel(command: CancelOrderCommand): Promise<BrokerAck>;
  queryOrder(query: QueryOrderCommand): Promise<VenueOrder | null>;
  openOrders(account?: string): Promise<VenueOrder[]>;
  balances(account: string): Promise<Balance[]>;
  positions(account: string): Promise<Position[]>;
}

export async function serveBroker(
  rpc: RpcTransport,
  bus: EventBus,
  name: string,
  client: BrokerClient,
): Promise<Subscription[]> {
  const publish = (reports: ExecutionReport[]) => publishReports(bus, name, reports);
  return Promise.all([
    // The reply goes first; the reports follow on the bus, as the OMS expects from a venue.
    serveChecked(rpc, Subjects.brokerPlace(name), PlaceOrderCommand, async ({ order }) => {
      const { ack, reports } = await client.place(order);
      queueMicrotask(() => void publish(reports));
      return ack;
    }),
    serveChecked(rpc, Subjects.brokerCancel(name), CancelOrderCommand, (command) => client.cancel(command)),
    serveChecked(rpc, Subjects.brokerQueryOrder(name), QueryOrderCommand, (query) => client.queryOrder(query)),
    serveChecked(rpc, Subjects.brokerOpenOrders(name), OpenOrdersQuery, ({ account }) => client.openOrders(account)),
    serveChecked(rpc, Subjects.brokerBalances(name), AccountQuery, ({ account }) => client.balances(account)),
    serveChecked(rpc, Subjects.brokerPositions(name), AccountQuery, ({ account }) => client.positions(account)),
  ]);
}

export async function publishReports(bus: EventBus, source: string, reports: ExecutionReport[]): Promise<void> {
  for (const report of reports)
    await bus.publish(
      Topics.executionReport,
      envelope(EventTypes.executionReport, `broker-${source}`, report.orderId, report, report.tsEvent),
    );
}

export async function publishTicks(bus: EventBus, source: string, ticks: Tick[]): Promise<void> {
  for (const tick of ticks)
    await bus.publish(
      Topics.tick(tick.venue, tick.symbol),
      envelope(EventTypes.tick, `broker-${source}`, tick.symbol, tick, tick.tsEvent),
    );
}
