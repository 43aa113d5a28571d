import { describe, expect, it } from "bun:test";
import { Topics } from "@jts/contracts";
import { envelope } from "./events/envelope.ts";
import { MemoryEventBus } from "./events/memory.ts";
import { MetricsRegistry } from "./metrics.ts";
import { observeTradingMetrics } from "./trading-metrics.ts";

const publish = (bus: MemoryEventBus, topic: string, payload: object) =>
  bus.publish(topic, envelope("Test", "test", "k", payload));
/** The metrics subscribe in the background lane: they count once the event loop has turned. */
const backgroundDrained = () => new Promise((resolve) => setImmediate(resolve));

describe("observeTradingMetrics", () => {
  it("counts order updates by status and fills by side, holds the trading state, venue links and equity", async () => {
    const bus = new MemoryEventBus();
    const metrics = new MetricsRegistry();
    const subscriptions = await observeTradingMetrics(bus, metrics);
    await publish(bus, Topics.orderUpdated, { venue: "sim", status: "ACCEPTED" });
    await publish(bus, Topics.orderUpdated, { venue: "sim", status: "FILLED" });
    await publish(bus, Topics.orderUpdated, { venue: "upbit", status: "REJECTED" });
    await publish(bus, Topics.orderUpdated, { venue: "upbit", status: "REJECTED" });
    await publish(bus, Topics.fill, { venue: "sim", side: "BUY" });
    await publish(bus, Topics.tradingState, { account: null, state: "ACTIVE" });
    await publish(bus, Topics.tradingState, { account: null, state: "HALTED" });
    await publish(bus, Topics.tradingState, { account: "paper-main", state: "REDUCING" });
    await publish(bus, Topics.venueStatus, { venue: "binance", connected: true });
    await publish(bus, Topics.venueStatus, { venue: "binance", connected: false });
    await publish(bus, Topics.equity, { account: "paper-main", currency: "KRW", equity: "100050000.5" });
    await publish(bus, Topics.equity, { account: "paper-main", currency: "KRW", equity: "not a number" });
    await backgroundDrained();

    const text = metrics.render();
    expect(text).toContain('jts_order_updates_total{venue="sim",status="FILLED"} 1');
    expect(text).toContain('jts_order_updates_total{venue="upbit",status="REJECTED"} 2');
    expect(text).toContain('jts_fills_total{venue="sim",side="BUY"} 1');
    expect(text).toContain('jts_trading_state{account="platform",state="HALTED"} 1');
    expect(text).toContain('jts_trading_state{account="platform",state="ACTIVE"} 0');
    expect(text).toContain('jts_trading_state{account="paper-main",state="REDUCING"} 1');
    expect(text).toContain('jts_venue_connected{venue="binance"} 0');
    // A malformed equity keeps the last good value instead of exporting NaN.
    expect(text).toContain('jts_account_equity{account="paper-main",currency="KRW"} 100050000.5');

    await Promise.all(subscriptions.map((s) => s.unsubscribe()));
    await publish(bus, Topics.fill, { venue: "sim", side: "BUY" });
    await backgroundDrained();
    expect(metrics.render()).toContain('jts_fills_total{venue="sim",side="BUY"} 1');
  });
});
