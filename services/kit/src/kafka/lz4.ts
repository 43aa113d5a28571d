import { CompressionCodecs, CompressionTypes } from "kafkajs";
import { compressFrameSync, decompressFrameSync } from "lz4-napi";

/**
 * kafkajs ships no LZ4 codec and `kafkajs-lz4` fails under Bun; Kafka's LZ4
 * is the LZ4 frame format, which lz4-napi (a prebuilt binary) writes and reads.
 * The synchronous calls: a record batch here is a few hundred bytes to a few
 * kB (microseconds of work), and the Promise variants hand each one to the
 * thread pool and back (about 3x the CPU, and on a loaded host a thread
 * wake-up per batch on the delivery path of every tick and order event).
 */
export function registerLz4Codec(): void {
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder: { buffer: Buffer }) => compressFrameSync(encoder.buffer),
    decompress: async (buffer: Buffer) => decompressFrameSync(buffer),
  });
}
