import { it } from "bun:test";
import { eventBusContract } from "../testing/event-bus-contract.ts";
import { serverUrl } from "../testing/servers.ts";
import { connectNats } from "./connect.ts";
import { JetStreamEventBus } from "./jetstream.ts";

const url = serverUrl("NATS_URL");

if (url) {
  eventBusContract("nats jetstream", async () =>
    JetStreamEventBus.create(await connectNats(url, "events-contract"), {
      stream: "JTS_CONTRACT",
      prefix: "jtscontract",
    }),
  );
} else it.skip("EventBus contract: nats jetstream (NATS_URL not set)", () => {});
