import { type EventBus, type Subscription, Topics, TRADING_STATES } from "@jts/contracts";
import type { MetricsRegistry } from "./metrics.ts";

/**
 * The platform's trading metrics, read off the event bus by one observer (the
 * gateway runs it: it sees every event already), so Prometheus and the alert rules
 * in host/docker/prometheus/alerts.yml get them from one target:
 *   jts_order_updates_total{venue,status}  order updates by the status they reach
 *   jts_fills_total{venue,side}            fills
 *   jts_trading_state{account,state}       1 for the state risk holds, 0 for the others
 *                                          (account "platform" for the platform-wide switch)
 *   jts_venue_connected{venue}             1 while the venue's link is up, 0 after it dropped
 *   jts_account_equity{account,currency}   the last equity snapshot (P&L is its change)
 * Subscribed without a group: every observer gets every event. A process restart
 * starts the counters from zero, which Prometheus' rate() and increase() expect.
 */
export async function observeTradingMetrics(bus: EventBus, metrics: MetricsRegistry): Promise<Subscription[]> {
  const orders = metrics.counter("jts_order_updates_total", "Order updates by venue and the status they reach");
  const fills = metrics.counter("jts_fills_total", "Fills by venue and side");
  const state = metrics.gauge("jts_trading_state", "1 for the trading state risk holds (ACTIVE, REDUCING, HALTED)");
  const venues = metrics.gauge("jts_venue_connected", "1 while the venue's link is up");
  const equity = metrics.gauge("jts_account_equity", "The account's last equity snapshot");

  // Counting decides no order: it runs after the order path.
  const background = { lane: "background" } as const;
  return Promise.all([
    bus.subscribe(
      Topics.orderUpdated,
      async (event) => {
        const order = event.payload;
        orders.inc({ venue: order.venue, status: order.status });
      },
      background,
    ),
    bus.subscribe(
      Topics.fill,
      async (event) => {
        const fill = event.payload;
        fills.inc({ venue: fill.venue, side: fill.side });
      },
      background,
    ),
    bus.subscribe(
      Topics.tradingState,
      async (event) => {
        const change = event.payload;
        const account = change.account ?? "platform";
        for (const s of TRADING_STATES) state.set(s === change.state ? 1 : 0, { account, state: s });
      },
      background,
    ),
    bus.subscribe(
      Topics.venueStatus,
      async (event) => {
        const status = event.payload;
        venues.set(status.connected ? 1 : 0, { venue: status.venue });
      },
      background,
    ),
    bus.subscribe(
      Topics.equity,
      async (event) => {
        const snapshot = event.payload;
        const value = Number(snapshot.equity);
        if (Number.isFinite(value)) equity.set(value, { account: snapshot.account, currency: snapshot.currency });
      },
      background,
    ),
  ]);
}
