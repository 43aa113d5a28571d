import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Envelope } from "@jts/contracts";
import type { NatsConnection } from "nats";
import { envelope } from "../events/envelope.ts";
import { eventually } from "../testing/eventually.ts";
import { serverUrl } from "../testing/servers.ts";
import { connectNats } from "./connect.ts";
import { JetStreamEventBus } from "./jetstream.ts";

const url = serverUrl("NATS_URL");

describe.skipIf(!url)(`JetStream poison messages${url ? "" : " (skipped: NATS_URL not set)"}`, () => {
  let nc: NatsConnection;
  let bus: JetStreamEventBus;
  beforeAll(async () => {
    nc = await connectNats(url as string, "poisoner");
    bus = await JetStreamEventBus.create(await connectNats(url as string, "poison-bus"), {
      stream: "JTS_POISON",
      prefix: "jtspoison",
    });
  });
  afterAll(async () => {
    await bus.close();
    await nc.drain();
  });

  it("sends invalid JSON and a wrong shape to the dead-letter topic and keeps consuming", async () => {
    const good: number[] = [];
    const dead: Envelope[] = [];
    await bus.subscribe("p.orders", (e) => void good.push((e.payload as { n: number }).n), {
      group: "poison-consumer",
    });
    await bus.subscribe("dlq.p.orders", (e) => void dead.push(e));
    const js = nc.jetstream();
    await bus.publish("p.orders", envelope("T", "test", "k", { n: 1 }));
    await js.publish("jtspoison.p.orders", new TextEncoder().encode("{not json"));
    await js.publish("jtspoison.p.orders", new TextEncoder().encode('{"hello":"world"}'));
    await bus.publish("p.orders", envelope("T", "test", "k", { n: 2 }));
    await eventually(() => {
      expect(good).toEqual([1, 2]);
      expect(dead.map((d) => (d.payload as { error: string }).error).sort()).toEqual([
        "message is not JSON",
        "message is not an event envelope",
      ]);
    });
  });
});
