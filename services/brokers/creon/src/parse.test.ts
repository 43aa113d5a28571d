import { describe, expect, it } from "bun:test";
import { compile } from "@jts/kit";
import { FILL, HEALTH, SUBSCRIPTION_REFUSED, TRADE } from "./fixtures/messages.ts";
import { HealthReply, parseTrade, StreamMessage } from "./parse.ts";

const message = compile(StreamMessage);

describe("Creon bridge messages (BRIDGE.md's shapes)", () => {
  it("reads a StockCur trade as a tick: KST to epoch ns, the A prefix dropped, the day's volume as trade id", () => {
    const trade = message.parse(TRADE);
    if (trade.type !== "trade") throw new Error(`read as ${trade.type}`);
    expect(parseTrade(trade)).toEqual({
      symbol: "005930",
      venue: "creon",
      price: "71000",
      quantity: "12",
      aggressor: "SELL",
      tradeId: "20261127-1203344",
      // 09:15:02 KST is 00:15:02 UTC.
      tsEvent: `${Date.parse("2026-11-27T00:15:02Z")}000000`,
    });
  });

  it("accepts executions and control messages and refuses what the contract does not have", () => {
    expect(message.parse(FILL)).toMatchObject({ kind: "FILL", filledQuantity: "4" });
    expect(message.parse(SUBSCRIPTION_REFUSED)).toMatchObject({ subject: "A000660" });
    expect(() => message.parse({ ...TRADE, code: "005930" })).toThrow();
    expect(() => message.parse({ ...FILL, kind: "PARTIAL" })).toThrow();
  });

  it("reads the bridge's clock from /v1/health, and a bridge that reports none", () => {
    const health = compile(HealthReply);
    expect(health.parse(HEALTH).time).toBe(1796176502250);
    const { time: _time, ...older } = HEALTH;
    expect(health.parse(older).time).toBeUndefined();
  });
});
