import { type Envelope, nowNsString } from "@jts/contracts";
import { newId } from "../ids.ts";

/** Builds an envelope; `tsEvent` defaults to now when the source has no time of its own. */
export function envelope<Payload>(
  type: string,
  source: string,
  key: string,
  payload: Payload,
  tsEvent?: string,
): Envelope<Payload> {
  const tsInit = nowNsString();
  return { id: newId(), type, tsEvent: tsEvent ?? tsInit, tsInit, source, key, payload };
}
