import { describe, expect, it } from "bun:test";
import type { Order, TradingStateChange } from "@jts/contracts";
import { createLogger, envelope, memoryRuntime } from "@jts/kit";
import { eventually } from "@jts/kit/testing";
import { createNotificationService } from "./service.ts";

const rejected = {
  id: "o1",
  account: "acc-1",
  side: "BUY",
  quantity: "1",
  symbol: "005930",
  status: "REJECTED",
  rejectReason: "risk: trading is HALTED",
  updatedAt: "5",
} as Order;

describe("notification service", () => {
  it("raises alerts for rejections and state changes and shows each account only its own", async () => {
    const runtime = memoryRuntime(createLogger({}, "error", () => {}));
    const service = createNotificationService(runtime);
    await service.start();
    const change: TradingStateChange = {
      account: null,
      state: "HALTED",
      previous: "ACTIVE",
      reason: "kill switch",
      changedBy: "admin",
      cancelOpenOrders: false,
      tsEvent: "6",
    };
    await runtime.bus.publish("order.updated", envelope("Order", "test", "acc-1", rejected));
    await runtime.bus.publish("order.updated", envelope("Order", "test", "acc-1", { ...rejected, status: "ACCEPTED" }));
    await runtime.bus.publish("risk.state", envelope("TradingStateChange", "test", "state", change));
    await eventually(() => expect(service.list()).toHaveLength(2));
    expect(service.list()[0]).toMatchObject({ kind: "TRADING_STATE", severity: "CRITICAL", account: null });
    expect(service.list()[1]).toMatchObject({ kind: "ORDER_REJECTED", message: "risk: trading is HALTED" });
    expect(service.list(["acc-2"]).map((a) => a.kind)).toEqual(["TRADING_STATE"]);
    await service.stop();
  });
});
