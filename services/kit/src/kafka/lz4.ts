import { CompressionCodecs, CompressionTypes } from "kafkajs";
import { compressFrame, decompressFrame } from "lz4-napi";

/**
 * kafkajs ships no LZ4 codec and `kafkajs-lz4` fails under Bun; Kafka's LZ4
 * is the LZ4 frame format, which lz4-napi (a prebuilt binary) writes and reads.
 */
export function registerLz4Codec(): void {
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder: { buffer: Buffer }) => compressFrame(encoder.buffer),
    decompress: async (buffer: Buffer) => decompressFrame(buffer),
  });
}
