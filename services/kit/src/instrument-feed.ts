import { type EventBus, type Subscription, Topics, VenueInstruments } from "@jts/contracts";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { InstrumentCatalog } from "./instruments.ts";
import type { Logger } from "./log.ts";

const isVenueInstruments = TypeCompiler.Compile(VenueInstruments);

/**
 * Keeps `catalog` up to date with what the venue connectors announce on
 * `md.instrument.<venue>` (their exchange info), so risk, the OMS and the
 * paper venue check orders against the venue's own tick, lot and minimum.
 * No group: every replica keeps its own full catalog. A malformed
 * announcement is logged and ignored; the catalog keeps what it had.
 */
export function followVenueInstruments(
  bus: EventBus,
  catalog: InstrumentCatalog,
  logger: Logger,
): Promise<Subscription> {
  return bus.subscribe(Topics.allInstruments, (event) => {
    if (!isVenueInstruments.Check(event.payload)) {
      logger.warn("ignored a malformed instrument announcement", { source: event.source, id: event.id });
      return;
    }
    catalog.upsert(event.payload.instruments);
    logger.info("instruments updated", { venue: event.payload.venue, count: event.payload.instruments.length });
  });
}
