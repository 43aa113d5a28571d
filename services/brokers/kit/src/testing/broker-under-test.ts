import { type Envelope, type ExecutionReport, type Quote, type Tick, Topics } from "@jts/contracts";
import type { Runtime } from "@jts/kit";
import { type BrokerService, createBrokerService, type VenueConnector } from "../broker-service.ts";

/** What a broker service published on the bus, in order of arrival. */
export interface BrokerPublished {
  reports: ExecutionReport[];
  ticks: Tick[];
  quotes: Quote[];
}

/**
 * A connector's broker service, started on `runtime` with everything it
 * publishes recorded, as the connector tests against a venue's fake use it.
 * The recording starts before the service, so nothing published at start-up is missed.
 */
export async function startBrokerUnderTest(
  runtime: Runtime,
  connector: VenueConnector,
): Promise<{ service: BrokerService; published: BrokerPublished }> {
  const service = createBrokerService(runtime, connector);
  const published: BrokerPublished = { reports: [], ticks: [], quotes: [] };
  await runtime.bus.subscribe(
    Topics.executionReport,
    (e: Envelope) => void published.reports.push(e.payload as ExecutionReport),
  );
  await runtime.bus.subscribe(Topics.allTicks, (e: Envelope) => void published.ticks.push(e.payload as Tick));
  await runtime.bus.subscribe(Topics.allQuotes, (e: Envelope) => void published.quotes.push(e.payload as Quote));
  await service.start();
  return { service, published };
}
