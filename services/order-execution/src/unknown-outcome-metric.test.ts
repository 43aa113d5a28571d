import { afterEach, describe, expect, it } from "bun:test";
import { createPaperService, PaperFaults } from "@jts/broker-paper";
import { EventTypes, type Quote, type RiskDecision, Topics } from "@jts/contracts";
import { envelope, memoryRuntime } from "@jts/kit";
import { eventually, silentLogger } from "@jts/kit/testing";
import { MemoryOrderRepository } from "./memory-repository.ts";
import { createOrderExecutionService } from "./service.ts";

// jts_orders_unknown_outcome on the OMS's /metrics (alert OrdersWithUnknownOutcome):
// the count of OUTCOME_UNKNOWN orders by venue, read from the repository at each scrape.
const approve: RiskDecision = { approved: true, rule: null, reason: null, tsEvent: "1" };

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const service of running.splice(0).reverse()) await service.stop();
});

async function platform() {
  const runtime = memoryRuntime(silentLogger);
  await runtime.rpc.serve("risk.check", () => approve);
  const faults = new PaperFaults();
  const paper = createPaperService(runtime, { faults });
  await paper.start();
  running.push(paper);
  const repository = new MemoryOrderRepository(runtime.bus);
  const startOms = async () => {
    const oms = createOrderExecutionService(runtime, {
      repository,
      rpcTimeoutMs: 100,
      outcomeLookups: { firstLookupMs: 20, maxLookupMs: 100, notFoundGraceMs: 600 },
      reconcileSettleMs: 0,
      reconcileEveryMs: 0,
    });
    await oms.start();
    running.push(oms);
    return oms;
  };
  await runtime.bus.publish(
    Topics.quote("sim", "BTC-KRW"),
    envelope<Quote>(EventTypes.quote, "test", "BTC-KRW", {
      symbol: "BTC-KRW",
      venue: "sim",
      bid: "100000000",
      ask: "101000000",
      bidSize: "5",
      askSize: "5",
      tsEvent: "1",
    }),
  );
  return { faults, startOms };
}

/** The gauge's value for a venue as /metrics renders it; undefined when there is no such series. */
async function unknownOutcomes(oms: { app: { handle(r: Request): Promise<Response> } }, venue: string) {
  const text = await (await oms.app.handle(new Request("http://localhost/metrics"))).text();
  expect(text).toContain("# TYPE jts_orders_unknown_outcome gauge");
  const line = text.split("\n").find((l) => l.startsWith(`jts_orders_unknown_outcome{venue="${venue}"} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
}

const request = (clientOrderId: string) => ({
  clientOrderId,
  symbol: "BTC-KRW",
  side: "BUY" as const,
  type: "LIMIT" as const,
  price: "99000000",
  quantity: "1",
  timeInForce: "GTC" as const,
});

describe("jts_orders_unknown_outcome", () => {
  it("counts the orders left OUTCOME_UNKNOWN by venue, and reads 0 once the lookups resolved them", async () => {
    const p = await platform();
    const oms = await p.startOms();
    expect(await unknownOutcomes(oms, "sim")).toBeUndefined();
    // Both placements land at the venue after the rpc timed out: two orders in flight.
    p.faults.next("place-late", 300).next("place-late", 300);
    const first = await oms.manager.submit(request("u1"));
    const second = await oms.manager.submit(request("u2"));
    expect([first.order.status, second.order.status]).toEqual(["OUTCOME_UNKNOWN", "OUTCOME_UNKNOWN"]);
    expect(await unknownOutcomes(oms, "sim")).toBe(2);
    // The lookups find both at the venue (ACCEPTED): the gauge falls to 0, it does not vanish.
    await eventually(async () => expect(await unknownOutcomes(oms, "sim")).toBe(0), 3000);
    expect((await oms.manager.get(first.order.id)).status).toBe("ACCEPTED");
  });

  it("is read from the stored orders, so a restarted OMS reports the ones the last run left unknown", async () => {
    const p = await platform();
    const before = await p.startOms();
    // Refused at the venue only later: unknown until the grace period says "never placed".
    p.faults.next("refuse-late", 300);
    const { order } = await before.manager.submit(request("r1"));
    expect(order.status).toBe("OUTCOME_UNKNOWN");
    await before.stop();
    running.splice(running.indexOf(before), 1);
    const after = await p.startOms();
    expect(await unknownOutcomes(after, "sim")).toBe(1);
    await eventually(async () => expect(await unknownOutcomes(after, "sim")).toBe(0), 3000);
    expect((await after.manager.get(order.id)).status).toBe("REJECTED");
  });
});
