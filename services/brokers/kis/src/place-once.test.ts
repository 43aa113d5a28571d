import { afterEach, describe, expect, it } from "bun:test";
import { orderFixture } from "@jts/kit/testing";
import { KisBroker } from "./connector.ts";
import type { FakeKis } from "./testing/fake-kis.ts";
import { kisHarness } from "./testing/harness.ts";

let fake: FakeKis | undefined;
afterEach(async () => {
  await fake?.stop();
});

const order = (id: string) =>
  orderFixture({ id, account: "kis-test", venue: "kis", type: "LIMIT", timeInForce: "DAY", price: "71000" });

describe("one venue order per JTS order", () => {
  it("sends a place retried while the first is in flight to KIS once, in one process and across replicas", async () => {
    const h = kisHarness("live");
    fake = h.fake;
    const replicaA = new KisBroker(h.settings, h.rest, h.cache);
    const replicaB = new KisBroker(h.settings, h.rest, h.cache);
    const answers = await Promise.all([
      replicaA.place(order("d1")),
      replicaA.place(order("d1")),
      replicaB.place(order("d1")),
    ]);
    expect(h.fake.requests.filter((r) => r.path.endsWith("/order-cash"))).toHaveLength(1);
    expect(new Set(answers.map((a) => a.ack.venueOrderId))).toEqual(new Set(["0000012345"]));
    // Exactly one of the answers carries the ACCEPTED report.
    expect(answers.flatMap((a) => a.reports).map((r) => r.kind)).toEqual(["ACCEPTED"]);
  });

  it("answers a duplicate that arrives after the first call started with the stored ack and no reports", async () => {
    const h = kisHarness("live");
    fake = h.fake;
    const broker = new KisBroker(h.settings, h.rest, h.cache);
    const first = broker.place(order("d2"));
    await Bun.sleep(1);
    const second = await broker.place(order("d2"));
    expect(second.reports).toEqual([]);
    expect(second.ack).toEqual((await first).ack);
    expect(h.fake.requests.filter((r) => r.path.endsWith("/order-cash"))).toHaveLength(1);
  });
});
