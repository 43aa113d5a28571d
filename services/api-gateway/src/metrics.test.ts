import { afterAll, describe, expect, it } from "bun:test";
import { Topics } from "@jts/contracts";
import { envelope, memoryRuntime } from "@jts/kit";
import { eventually, orderFixture, silentLogger } from "@jts/kit/testing";
import { MemoryUserDirectory } from "./auth/users.ts";
import { createGatewayService } from "./service.ts";

const runtime = memoryRuntime(silentLogger);
const gateway = createGatewayService(runtime, new MemoryUserDirectory(), {
  jwtSecret: "metrics-test-secret-metrics-test-secret",
  accessTtlSeconds: 60,
  refreshTtlSeconds: 60,
  rateLimit: 100,
  rateWindowMs: 60_000,
  loginRateLimit: 10,
  rpcTimeoutMs: 100,
  corsOrigins: ["http://localhost:5173"],
});
const metrics = async () => (await gateway.app.handle(new Request("http://localhost/metrics"))).text();

afterAll(() => gateway.stop());

describe("gateway /metrics", () => {
  it("exports the WebSocket client count and, once started, the trading metrics read off the bus", async () => {
    expect(await metrics()).toContain("jts_ws_clients 0");
    await gateway.start();
    await runtime.bus.publish(
      Topics.orderUpdated,
      envelope("OrderUpdated", "test", "o1", orderFixture({ venue: "sim", status: "REJECTED" })),
    );
    await runtime.bus.publish(
      Topics.tradingState,
      envelope("TradingStateChange", "test", "p", {
        account: null,
        state: "HALTED",
        previous: "ACTIVE",
        reason: "test",
        changedBy: "test",
        cancelOpenOrders: false,
        tsEvent: "1",
      }),
    );
    // The trading metrics are a background subscriber: they count after the order path's turn.
    await eventually(async () => {
      const text = await metrics();
      expect(text).toContain('jts_order_updates_total{venue="sim",status="REJECTED"} 1');
      expect(text).toContain('jts_trading_state{account="platform",state="HALTED"} 1');
    });
  });
});
