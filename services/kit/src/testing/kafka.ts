import { Kafka, type KafkaConfig, logLevel } from "kafkajs";
import { kafkaSaslFromEnv } from "../kafka/sasl.ts";

/**
 * A plain kafkajs client on the test broker (KAFKA_BROKERS, comma-separated), with the
 * environment's SASL and no logging: for what a test does beside the bus, such as writing
 * a raw record the bus would never write, or inspecting topics with the admin.
 */
export function testKafkaClient(brokers: string, config: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    brokers: brokers.split(","),
    sasl: kafkaSaslFromEnv(),
    logLevel: logLevel.NOTHING,
    ...config,
  });
}
