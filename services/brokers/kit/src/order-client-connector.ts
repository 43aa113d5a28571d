import type {
  AmendOrderCommand,
  Balance,
  BrokerAck,
  CancelOrderCommand,
  ExecutionReport,
  Order,
  Position,
  QueryOrderCommand,
  Venue,
  VenueOrder,
} from "@jts/contracts";
import type { VenueConnector, VenueSink } from "./broker-service.ts";

/**
 * A venue client for one account that answers a place with the reports it
 * already knows (ACCEPTED with the ack) and learns the rest from its own
 * streams or polling: KIS and Creon.
 */
export interface OrderClient {
  place(order: Order): Promise<{ ack: BrokerAck; reports: ExecutionReport[] }>;
  cancel(command: CancelOrderCommand): Promise<BrokerAck>;
  /** The venue's own amend, where it has one. */
  amend?(command: AmendOrderCommand): Promise<BrokerAck>;
  queryOrder(query: QueryOrderCommand): Promise<VenueOrder | null>;
  openOrders(account?: string): Promise<VenueOrder[]>;
  balances(account: string): Promise<Balance[]>;
  positions(account: string): Promise<Position[]>;
}

/** What feeds the sink besides place: streams, pollers, leadership. */
export interface ConnectorFeeds {
  start(sink: VenueSink): Promise<void>;
  stop(): Promise<void>;
}

/**
 * An OrderClient as a VenueConnector. There are no instruments to load (KRX
 * stocks trade in whole shares and won; neither venue has an exchange-info
 * endpoint); the reports of a place follow its reply on the bus, as the OMS
 * expects from a venue.
 */
export function orderClientConnector(venue: Venue, client: OrderClient, feeds: ConnectorFeeds): VenueConnector {
  let sink: VenueSink | null = null;
  const amend = client.amend?.bind(client);
  return {
    venue,
    loadInstruments: async () => [],
    async start(venueSink) {
      sink = venueSink;
      await feeds.start(venueSink);
    },
    stop: () => feeds.stop(),
    async place(order) {
      const { ack, reports } = await client.place(order);
      queueMicrotask(() => {
        for (const report of reports) sink?.report(report);
      });
      return ack;
    },
    cancel: (command) => client.cancel(command),
    ...(amend ? { amend } : {}),
    queryOrder: (query) => client.queryOrder(query),
    openOrders: (query) => client.openOrders(query.account),
    balances: (query) => client.balances(query.account),
    positions: (query) => client.positions(query.account),
  };
}
