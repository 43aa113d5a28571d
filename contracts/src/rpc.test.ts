import { describe, expect, it } from "bun:test";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { BrokerAck, BrokerRpc } from "./execution.ts";
import { RpcContracts, RpcReplies, rpcContract } from "./rpc.ts";
import { Subjects } from "./topics.ts";
import { ORDER_STATUSES, OrderStatus, RISK_RULES, RiskRule } from "./trading.ts";
import { WS_CHANNEL_PATTERN, WsChannels, wsChannelParts } from "./ws.ts";

describe("rpc contracts", () => {
  it("give every named subject a request and a reply schema", () => {
    for (const subject of Object.values(Subjects)) {
      if (typeof subject !== "string") continue;
      expect(rpcContract(subject)?.request).toBeDefined();
      expect(RpcReplies[subject as keyof typeof RpcContracts]).toBe(
        RpcContracts[subject as keyof typeof RpcContracts].reply,
      );
    }
  });

  it("give every broker subject its op's contract, whatever the broker", () => {
    expect(rpcContract(Subjects.brokerPlace("kis"))?.reply).toBe(BrokerAck);
    expect(rpcContract(Subjects.brokerQueryOrder("paper"))).toBe(BrokerRpc["query-order"]);
    expect(rpcContract(Subjects.brokerOpenOrders("binance"))).toBe(BrokerRpc["open-orders"]);
    expect(rpcContract("broker.kis.teleport")).toBeUndefined();
    expect(rpcContract("order.cancle")).toBeUndefined();
    expect(rpcContract("toString")).toBeUndefined();
  });
});

describe("value lists written once", () => {
  it("accept exactly the listed order statuses and risk rules", () => {
    const status = TypeCompiler.Compile(OrderStatus);
    for (const s of ORDER_STATUSES) expect(status.Check(s)).toBe(true);
    expect(status.Check("OPEN")).toBe(false);
    const rule = TypeCompiler.Compile(RiskRule);
    expect(new Set(RISK_RULES).size).toBe(RISK_RULES.length);
    expect(rule.Check("MAX_ORDER_NOTIONAL")).toBe(true);
    expect(rule.Check("MAX_NOTIONAL")).toBe(false);
  });
});

describe("ws channels", () => {
  it("are built as the gateway accepts them and read back into their parts", () => {
    expect(WsChannels.ticker("BTC-KRW")).toBe("ticker:BTC-KRW");
    expect(WsChannels.candles("005930", "1m")).toBe("candles:005930:1m");
    expect(WS_CHANNEL_PATTERN.test(WsChannels.ticker("BTC-KRW"))).toBe(true);
    expect(WS_CHANNEL_PATTERN.test(WsChannels.candles("005930", "1m"))).toBe(true);
    expect(wsChannelParts(WsChannels.candles("005930", "1m"))).toEqual({
      kind: "candles",
      symbol: "005930",
      interval: "1m",
    });
    expect(wsChannelParts("orders").kind).toBe("orders");
  });
});
