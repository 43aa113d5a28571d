import { describe, expect, it } from "bun:test";
import {
  type EventBus,
  EventTypes,
  type Fill,
  type RiskRule,
  type RpcRequestOptions,
  type RpcTransport,
  Subjects,
  type Tick,
  Topics,
  type WsChannelData,
} from "@jts/contracts";
import { AppError } from "../errors.ts";
import { envelope } from "../events/envelope.ts";
import { MemoryEventBus } from "../events/memory.ts";
import { orderFixture } from "../testing/fixtures.ts";
import { type RpcClient, rpcClient } from "./client.ts";
import { MemoryRpc } from "./memory.ts";
import { serve } from "./typed.ts";

/**
 * Never called: tsc checks it (`bunx tsc -p tsconfig.json`). Each line under
 * `@ts-expect-error` must fail to compile, or tsc fails on the unused directive.
 */
export function wrongUsesDoNotCompile(bus: EventBus, client: RpcClient, rpc: RpcTransport, fill: Fill, tick: Tick) {
  // @ts-expect-error order.updated carries an Order, not a Fill
  void bus.publish(Topics.orderUpdated, envelope(EventTypes.fill, "t", "k", fill));
  // @ts-expect-error no contract names this topic
  void bus.publish("order.updatd", envelope(EventTypes.order, "t", "k", orderFixture()));
  void bus.subscribe(Topics.allTicks, (event) => {
    // @ts-expect-error a tick has no account
    void event.payload.account;
  });
  // @ts-expect-error order.cancel needs an orderId
  void client.call(Subjects.orderCancel, { accounts: ["a"] });
  // @ts-expect-error no contract names this subject
  void client.call("order.cancle", { orderId: "o-1" });
  // @ts-expect-error a broker's place takes { order }, not an order request
  void client.call(Subjects.brokerPlace("kis"), { clientOrderId: "c-1" });
  // @ts-expect-error risk.check answers a RiskDecision, not the order it was asked about
  void serve(rpc, Subjects.riskCheck, ({ order }) => order);
  // @ts-expect-error no risk rule has this code (the contract's old example)
  const rule: RiskRule = "MAX_NOTIONAL";
  // @ts-expect-error the orders channel carries orders, not ticks
  const data: WsChannelData<"orders"> = tick;
  return { rule, data };
}

describe("typed rpc", () => {
  it("serve refuses a request that breaks its subject's contract before the handler runs", async () => {
    const rpc = new MemoryRpc();
    let ran = 0;
    await serve(rpc, Subjects.orderGet, () => {
      ran++;
      return orderFixture();
    });
    const error = await rpc.request(Subjects.orderGet, { accounts: ["a"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("VALIDATION");
    expect(ran).toBe(0);
    expect(await rpcClient(rpc).call(Subjects.orderGet, { orderId: "o-1" })).toEqual(orderFixture());
    expect(ran).toBe(1);
  });

  it("serve does not check again, in process, a payload its caller vouched for (checked); every other call is checked", async () => {
    const rpc = new MemoryRpc();
    const seen: unknown[] = [];
    await serve(rpc, Subjects.orderGet, (request) => {
      seen.push(request);
      return orderFixture();
    });
    // What the contract would refuse (no orderId), to show which calls are checked.
    const unchecked = { accounts: ["a"] } as unknown as { orderId: string };
    const client = rpcClient(rpc);
    const refused = await client.call(Subjects.orderGet, unchecked).catch((e: unknown) => e);
    expect((refused as AppError).code).toBe("VALIDATION");
    expect(seen).toEqual([]);
    // The caller's own object reaches the handler: nothing copied, nothing checked.
    await client.call(Subjects.orderGet, unchecked, { checked: true });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(unchecked);
  });

  it("call checks a broker's reply against its op's contract, whatever the broker's name", async () => {
    const rpc = new MemoryRpc();
    await rpc.serve(Subjects.brokerQueryOrder("any-broker"), () => ({ orderId: "o-1" }));
    await rpc.serve(Subjects.brokerOpenOrders("any-broker"), () => []);
    const client = rpcClient(rpc);
    const error = await client
      .call(Subjects.brokerQueryOrder("any-broker"), { account: "a", symbol: "BTC-KRW" })
      .catch((e: unknown) => e);
    expect((error as AppError).code).toBe("INTERNAL");
    expect((error as AppError).message).toContain("breaks its contract");
    expect(await client.call(Subjects.brokerOpenOrders("any-broker"), {})).toEqual([]);
  });

  it("call hands the transport the client's timeout, or the call's own, with the actor and checked it was given", async () => {
    const sent: RpcRequestOptions[] = [];
    const recording = {
      request: async (_subject: string, _payload: unknown, options: RpcRequestOptions = {}) => {
        sent.push({ ...options });
        return orderFixture();
      },
    } as unknown as RpcTransport;
    const client = rpcClient(recording, 250);
    await client.call(Subjects.orderGet, { orderId: "o-1" });
    await client.call(Subjects.orderGet, { orderId: "o-1" }, { checked: true });
    await client.call(Subjects.orderGet, { orderId: "o-1" }, { actor: "alice" });
    await client.call(Subjects.orderGet, { orderId: "o-1" }, { timeoutMs: 9, actor: "bob", checked: true });
    await client.call(Subjects.orderGet, { orderId: "o-1" }, { checked: false });
    await rpcClient(recording).call(Subjects.orderGet, { orderId: "o-1" }, { checked: true });
    expect(sent).toEqual([
      { timeoutMs: 250 },
      { timeoutMs: 250, checked: true },
      { timeoutMs: 250, actor: "alice" },
      { timeoutMs: 9, actor: "bob", checked: true },
      { timeoutMs: 250 },
      { checked: true },
    ]);
  });

  it("call refuses a subject no contract names without sending it", async () => {
    const rpc = new MemoryRpc();
    let sent = 0;
    await rpc.serve("nobody.knows", () => ++sent);
    const untyped = rpcClient(rpc) as { call(subject: string): Promise<unknown> };
    await expect(untyped.call("nobody.knows")).rejects.toThrow("no contract names the rpc subject nobody.knows");
    expect(sent).toBe(0);
  });
});

describe("typed event bus", () => {
  it("hands a subscriber its topic's payload as published (the bus does not rewrite it)", async () => {
    const bus: EventBus = new MemoryEventBus();
    const seen: string[] = [];
    await bus.subscribe(Topics.orderUpdated, (event) => void seen.push(event.payload.status));
    await bus.publish(Topics.orderUpdated, envelope(EventTypes.order, "t", "k", orderFixture({ status: "FILLED" })));
    await Bun.sleep(0);
    expect(seen).toEqual(["FILLED"]);
  });
});
