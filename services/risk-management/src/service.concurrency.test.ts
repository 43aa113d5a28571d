import { afterEach, describe, expect, it } from "bun:test";
import { type Order, type RiskDecision, Subjects } from "@jts/contracts";
import { InstrumentCatalog, memoryRuntime, type Runtime, rpcClient } from "@jts/kit";
import { orderFixture, silentLogger } from "@jts/kit/testing";
import { connectNats } from "../../kit/src/nats/connect.ts";
import { NatsRpc } from "../../kit/src/nats/rpc.ts";
import { randomServiceToken } from "../../kit/src/service-credential.ts";
import { serverUrl } from "../../kit/src/testing/servers.ts";
import { createRiskService } from "./service.ts";
import { cashAccount, servePortfolio } from "./testing.ts";

/**
 * Issue 13, review 13b finding 2: the service checked an order, awaited the
 * submit-rate limiter (a Redis round trip live), and only then reserved it; rpc
 * handlers run concurrently, so two buys checked at the same moment both saw
 * the whole cash. Now the approval is reserved before any await. Finding 6:
 * `replaces` travels in the rpc request.
 */
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const natsUrl = serverUrl("NATS_URL");
const transports = ["memory", ...(natsUrl ? ["nats"] : [])] as const;

async function riskOn(
  transport: (typeof transports)[number],
  { delayMs = 0, rate = true, cash = "800000" } = {},
): Promise<Runtime & { service: ReturnType<typeof createRiskService> }> {
  const runtime = memoryRuntime(silentLogger);
  if (transport === "nats") {
    const rpc = new NatsRpc(await connectNats(natsUrl as string, "risk-concurrency"), {
      credential: randomServiceToken(),
      prefix: `rc${Math.random().toString(36).slice(2, 8)}`,
    });
    (runtime as { rpc: Runtime["rpc"] }).rpc = rpc;
    stops.push(() => rpc.close());
  }
  // A Redis limiter answers after a network round trip; the in-memory one at once.
  const take = runtime.limiter.take.bind(runtime.limiter);
  runtime.limiter.take = async (...args: Parameters<typeof take>) => {
    if (delayMs) await Bun.sleep(delayMs);
    return take(...args);
  };
  await servePortfolio(runtime, [cashAccount("acc", cash)]);
  const service = createRiskService(runtime, {
    catalog: new InstrumentCatalog(),
    limits: {
      maxOrderNotional: "100000000",
      maxPositionNotional: "100000000",
      ...(rate ? { accountSubmitRate: { limit: 100, windowMs: 60_000 } } : {}),
    },
  });
  await service.start();
  stops.unshift(() => service.stop());
  return { ...runtime, service };
}

const buy = (id: string, overrides: Partial<Order> = {}) =>
  orderFixture({
    id,
    clientOrderId: id,
    type: "LIMIT",
    timeInForce: "GTC",
    price: "70000",
    quantity: "10",
    ...overrides,
  });

describe("risk service: concurrent checks (review 13b, finding 2)", () => {
  for (const transport of transports)
    for (const [delayMs, rate] of [
      [0, true],
      [2, true],
      [0, false],
    ] as const)
      it(`passes one of two buys checked at once on cash for one (${transport}, submit rate ${rate ? `on, limiter ${delayMs} ms` : "off"})`, async () => {
        const { rpc } = await riskOn(transport, { delayMs, rate });
        const { call } = rpcClient(rpc, 5000);
        const check = (id: string) => call(Subjects.riskCheck, { order: buy(id) }) as Promise<RiskDecision>;
        const decisions = await Promise.all([check("o1"), check("o2"), check("o3")]);
        // 700,105 each with fees on 800,000 cash.
        expect(decisions.filter((d) => d.approved)).toHaveLength(1);
        expect(decisions.filter((d) => d.rule === "INSUFFICIENT_BALANCE")).toHaveLength(2);
      });

  it("withdraws the reservation of an order the submit rate refuses", async () => {
    const { rpc, service } = await riskOn("memory", { cash: "1500000" });
    service.engine.limits.set({ account: "acc" }, { accountSubmitRate: { limit: 1, windowMs: 60_000 } });
    const { call } = rpcClient(rpc);
    const [first, second] = (await Promise.all([
      call(Subjects.riskCheck, { order: buy("o1") }),
      call(Subjects.riskCheck, { order: buy("o2") }),
    ])) as RiskDecision[];
    expect([first?.approved, second?.rule]).toEqual([true, "ACCOUNT_SUBMIT_RATE"]);
    // Only o1 holds cash: o2's reservation was undone, so 799,895 stays free for the next order.
    const held = service.engine.openOrders.working("acc", "005930");
    expect([...(held?.orders.keys() ?? [])]).toEqual(["o1"]);
    service.engine.limits.set({ account: "acc" }, { accountSubmitRate: { limit: 100, windowMs: 60_000 } });
    expect(((await call(Subjects.riskCheck, { order: buy("o3") })) as RiskDecision).approved).toBe(true);
  });

  it("withdraws the reservation when the limiter fails, and the check fails closed", async () => {
    const { rpc, service, limiter } = await riskOn("memory");
    limiter.take = () => Promise.reject(new Error("redis down"));
    const outcome = await rpcClient(rpc)
      .call(Subjects.riskCheck, { order: buy("o1") })
      .catch((e: Error) => e);
    expect(outcome).toBeInstanceOf(Error);
    expect(service.engine.openOrders.working("acc", "005930")).toBeUndefined();
  });
});

describe("risk service: risk.check carries replaces (review 13b, finding 6)", () => {
  for (const transport of transports)
    it(`leaves the replaced order out over ${transport} rpc`, async () => {
      const { rpc, service } = await riskOn(transport, { rate: false });
      service.engine.onOrder({ ...buy("o1"), status: "ACCEPTED" }); // holds 700,105 of 800,000
      const { call } = rpcClient(rpc, 5000);
      const replacement = buy("o1r", { price: "70100" });
      const without = (await call(Subjects.riskCheck, { order: replacement })) as RiskDecision;
      expect(without.rule).toBe("INSUFFICIENT_BALANCE");
      const withIt = (await call(Subjects.riskCheck, { order: replacement, replaces: "o1" })) as RiskDecision;
      expect(withIt.approved).toBe(true);
      expect([...(service.engine.openOrders.working("acc", "005930")?.orders.keys() ?? [])]).toEqual(["o1r"]);
    });
});
