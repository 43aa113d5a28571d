import { type Counter, type Gauge, MetricsRegistry } from "@jts/kit";

interface Families {
  offset: Gauge;
  pauses: Counter;
}

/** One set of families per registry: two venues (or two gates) in one process share them, each with its labels. */
const families = new WeakMap<MetricsRegistry, Families>();

function familiesOf(registry: MetricsRegistry): Families {
  let found = families.get(registry);
  if (!found) {
    found = {
      offset: registry.gauge(
        "jts_venue_clock_offset_seconds",
        "The venue's clock minus this host's, in seconds, as last measured",
      ),
      pauses: registry.counter(
        "jts_rate_limit_pauses_total",
        "Times the rate gate held a venue call: a limit bucket was empty, or the venue said stop (429/418)",
      ),
    };
    families.set(registry, found);
  }
  return found;
}

/**
 * A connector's own metrics, on the registry its broker service serves at
 * /metrics (the alert rules in host/docker/prometheus/alerts.yml read them):
 *   jts_venue_clock_offset_seconds{venue}      venue time minus local time (ServerClock, HttpDateClock)
 *   jts_rate_limit_pauses_total{venue,bucket}  the RateGate made calls wait: `bucket` is the limit group
 *                                              whose budget was empty, or "429"/"418" when the venue
 *                                              itself asked for a pause (its own "too many" codes
 *                                              count as 429)
 */
export class VenueMetrics {
  private readonly families: Families;

  constructor(
    readonly venue: string,
    readonly registry: MetricsRegistry = new MetricsRegistry(),
  ) {
    this.families = familiesOf(registry);
  }

  clockOffsetMs(offsetMs: number): void {
    this.families.offset.set(offsetMs / 1000, { venue: this.venue });
  }

  ratePause(bucket: string): void {
    this.families.pauses.inc({ venue: this.venue, bucket });
  }
}
