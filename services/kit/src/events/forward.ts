import type { Envelope, EventBus, EventTransport } from "@jts/contracts";

/**
 * Publishes an event whose topic was chosen and typed elsewhere and stored as
 * text (an outbox row, a transaction's staged events). The one untyped way
 * onto the bus: every EventBus is an adapter that is an EventTransport, and
 * the producer that staged the event went through the typed publish.
 */
export function forward(bus: EventBus, topic: string, event: Envelope): Promise<void> {
  return (bus as unknown as EventTransport).publish(topic, event);
}
