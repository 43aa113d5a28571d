import { AnyEnvelope, type Envelope } from "@jts/contracts";
import { compile } from "../validate.ts";

const envelopeShape = compile(AnyEnvelope);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export type Decoded = { ok: true; event: Envelope } | { ok: false; error: string; text: string };

export function encodeEnvelope(event: Envelope): Uint8Array {
  return encoder.encode(JSON.stringify(event));
}

/** Bytes from a broker: JSON with the envelope's shape, or the reason it is not (for the dead-letter topic). */
export function decodeEnvelope(bytes: Uint8Array | null): Decoded {
  const text = bytes ? decoder.decode(bytes) : "";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "message is not JSON", text };
  }
  if (!envelopeShape.check(value)) return { ok: false, error: "message is not an event envelope", text };
  return { ok: true, event: value };
}
