export { type KafkaBusOptions, KafkaEventBus } from "./event-bus.ts";
export { registerLz4Codec } from "./lz4.ts";
export { KAFKA_SASL_MECHANISMS, type KafkaSaslMechanism, kafkaSaslFromEnv } from "./sasl.ts";
