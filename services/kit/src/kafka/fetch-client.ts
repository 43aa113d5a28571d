import type { Kafka } from "kafkajs";
import type { FetchClient, FetchedTopic } from "./live-fetcher.ts";

/** kafkajs' cluster as a FetchClient. */
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number; leader: number }>;
  findBroker(query: { nodeId: string }): Promise<{
    fetch(request: {
      maxWaitTime: number;
      minBytes: number;
      maxBytes: number;
      isolationLevel: number;
      topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
    }): Promise<{ responses: FetchedTopic[] }>;
  }>;
  fetchTopicsOffset(
    topics: Array<{ topic: string; partitions: Array<{ partition: number }>; fromBeginning: boolean }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}

const CLUSTER_FACTORY = "private:Kafka:createCluster";
const MAX_BYTES_PER_PARTITION = 1024 * 1024;
/** Kafka's READ_COMMITTED, as kafkajs' consumer reads. */
const READ_COMMITTED = 1;

/**
 * A FetchClient on kafkajs' own cluster (connections, SASL, metadata), made
 * by the factory the Kafka client keeps for its producers and consumers.
 * kafkajs 2.2.4 (pinned, patched in patches/) has no public fetch without a
 * consumer group; the live tests fail if a kafkajs upgrade moves these.
 */
export function kafkaFetchClient(kafka: Kafka): FetchClient {
  const factory = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CLUSTER_FACTORY);
  const create = factory && (kafka as unknown as Record<symbol, unknown>)[factory];
  if (typeof create !== "function") throw new Error(`kafkajs has no ${CLUSTER_FACTORY}: the live fetcher needs it`);
  const cluster = create({ allowAutoTopicCreation: false, metadataMaxAge: 300_000 }) as KafkajsCluster;
  let connected: Promise<void> | undefined;
  const connect = () => (connected ??= cluster.connect());
  return {
    async watch(topics) {
      await connect();
      await cluster.addMultipleTargetTopics(topics);
    },
    partitionsOf: (topic) => cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId),
    leaderOf: (topic, partition) =>
      cluster.findTopicPartitionMetadata(topic).find((p) => p.partitionId === partition)?.leader,
    refreshMetadata: () => cluster.refreshMetadata(),
    async endOffsets(topic, partitions) {
      const [offsets] = await cluster.fetchTopicsOffset([
        { topic, partitions: partitions.map((partition) => ({ partition })), fromBeginning: false },
      ]);
      return new Map((offsets?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    },
    async fetch(nodeId, { maxWaitMs, topics }) {
      const broker = await cluster.findBroker({ nodeId: String(nodeId) });
      const { responses } = await broker.fetch({
        maxWaitTime: maxWaitMs,
        minBytes: 1,
        maxBytes: MAX_BYTES_PER_PARTITION * 10,
        isolationLevel: READ_COMMITTED,
        topics: topics.map(({ topic, partitions }) => ({
          topic,
          partitions: partitions.map((p) => ({ ...p, maxBytes: MAX_BYTES_PER_PARTITION })),
        })),
      });
      return responses;
    },
    close: () => (connected ? cluster.disconnect() : Promise.resolve()),
  };
}
