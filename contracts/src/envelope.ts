import { type Static, type TSchema, Type as t } from "@sinclair/typebox";
import { Nanos } from "./primitives.ts";

/**
 * Every event crossing a process. `tsEvent` is when it happened at the source,
 * `tsInit` when JTS created the envelope: their difference and the receiver's
 * clock give end-to-end latency. `key` orders events (Kafka partition key).
 */
export const EventEnvelope = <Payload extends TSchema>(payload: Payload) =>
  t.Object({
    id: t.String({ minLength: 1 }),
    type: t.String({ minLength: 1 }),
    tsEvent: Nanos,
    tsInit: Nanos,
    source: t.String({ minLength: 1 }),
    key: t.String(),
    payload,
  });

export const AnyEnvelope = EventEnvelope(t.Unknown());
export type Envelope<Payload = unknown> = Omit<Static<typeof AnyEnvelope>, "payload"> & { payload: Payload };
