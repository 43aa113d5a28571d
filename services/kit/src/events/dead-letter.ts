import { type Envelope, EventTypes, nowNsString, Topics } from "@jts/contracts";
import { newId } from "../ids.ts";

export interface DeadLetterPayload {
  topic: string;
  error: string;
  attempts: number;
  event: Envelope;
}

/** Wraps a poisoned event so it can be inspected and replayed later. */
export function deadLetter(
  topic: string,
  event: Envelope,
  error: unknown,
  attempts: number,
): Envelope<DeadLetterPayload> {
  const now = nowNsString();
  return {
    id: newId(),
    type: EventTypes.deadLetter,
    tsEvent: event.tsEvent,
    tsInit: now,
    source: event.source,
    key: event.key,
    payload: { topic, error: error instanceof Error ? error.message : String(error), attempts, event },
  };
}

export const deadLetterTopic = Topics.deadLetter;

/** A message that is not even an envelope: keep its text so it can be inspected. */
export function deadLetterRaw(topic: string, text: string, error: string): Envelope<DeadLetterPayload> {
  const now = nowNsString();
  const raw: Envelope = {
    id: newId(),
    type: "Raw",
    tsEvent: now,
    tsInit: now,
    source: "unknown",
    key: "",
    payload: text,
  };
  return deadLetter(topic, raw, new Error(error), 1);
}
