import { unknownOutcomeTests } from "@jts/broker-kit/unknown-outcome-test";
import { type ExecutionReport, Topics } from "@jts/contracts";
import { MemoryRpc, memoryRuntime } from "@jts/kit";
import { orderFixture, silentLogger } from "@jts/kit/testing";
import { createKisService } from "./service.ts";
import { kisHarness } from "./testing/harness.ts";

unknownOutcomeTests("KIS", async () => {
  const h = kisHarness("live");
  const runtime = { ...memoryRuntime(silentLogger), cache: h.cache, rpc: new MemoryRpc() };
  // Polled by hand below, so each poll's reports are counted.
  const service = createKisService(runtime, { settings: h.settings, pollMs: 60_000 });
  const reports: ExecutionReport[] = [];
  await runtime.bus.subscribe(Topics.executionReport, (event) => void reports.push(event.payload as ExecutionReport));
  await service.start();
  return {
    rpc: runtime.rpc,
    broker: "kis",
    misbehavePlace: (misbehaviour) =>
      h.fake.venue.misbehaveOn("POST", "/uapi/domestic-stock/v1/trading/order-cash", misbehaviour),
    refusal: { status: 200, body: { rt_cd: "1", msg_cd: "APBK0952", msg1: "주문가능금액을 초과 했습니다" } },
    reports,
    order: () => {
      const id = crypto.randomUUID();
      return orderFixture({
        id,
        clientOrderId: id,
        account: "kis-test",
        venue: "kis",
        type: "LIMIT",
        timeInForce: "DAY",
        price: "71000",
        quantity: "3",
      });
    },
    // KIS knows the order by its order number only: the one the lookup found.
    fillAtVenue: (_order, venue) => h.fake.fill(venue.venueOrderId, "3", "71000"),
    poll: () => service.poll(),
    async stop() {
      await service.stop();
      await h.fake.stop();
    },
  };
});
