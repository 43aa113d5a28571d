import { it } from "bun:test";
import { eventBusContract } from "../testing/event-bus-contract.ts";
import { serverUrl } from "../testing/servers.ts";
import { KafkaEventBus } from "./event-bus.ts";

const brokers = serverUrl("KAFKA_BROKERS");

if (brokers) {
  eventBusContract(
    "kafka",
    async () =>
      KafkaEventBus.create({ brokers: brokers.split(","), namespace: "contract.", topics: [], defaultPartitions: 3 }),
    { timeoutMs: 20_000 },
  );
} else it.skip("EventBus contract: kafka (KAFKA_BROKERS not set)", () => {});
