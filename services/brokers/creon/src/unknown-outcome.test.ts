import { unknownOutcomeTests } from "@jts/broker-kit/unknown-outcome-test";
import { type ExecutionReport, Topics } from "@jts/contracts";
import { MemoryRpc, memoryRuntime } from "@jts/kit";
import { orderFixture, silentLogger } from "@jts/kit/testing";
import { createCreonService } from "./service.ts";
import { creonHarness } from "./testing/harness.ts";

unknownOutcomeTests("Creon", async () => {
  const h = creonHarness();
  const runtime = { ...memoryRuntime(silentLogger), cache: h.cache, rpc: new MemoryRpc() };
  const service = createCreonService(runtime, { settings: h.settings });
  const reports: ExecutionReport[] = [];
  await runtime.bus.subscribe(Topics.executionReport, (event) => void reports.push(event.payload as ExecutionReport));
  await service.start();
  return {
    rpc: runtime.rpc,
    broker: "creon",
    misbehavePlace: (misbehaviour) => h.fake.misbehavePlace(misbehaviour),
    refusal: { status: 422, body: { error: { code: "ORDER_REFUSED", message: "주문가능금액 부족", creonStatus: 1 } } },
    reports,
    order: () => {
      const id = crypto.randomUUID();
      return orderFixture({
        id,
        clientOrderId: id,
        account: "creon-test",
        venue: "creon",
        type: "LIMIT",
        timeInForce: "DAY",
        price: "71000",
        quantity: "3",
      });
    },
    // Creon knows the order by its order number: the one the lookup found.
    fillAtVenue: (_order, venue) => h.fake.fill(venue.venueOrderId, "3", "71000"),
    async stop() {
      await service.stop();
      await h.fake.stop();
    },
  };
});
