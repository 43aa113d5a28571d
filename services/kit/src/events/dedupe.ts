import type { EventHandler } from "@jts/contracts";
import { oldestKeyDropper } from "../eviction.ts";

/**
 * Consumers are idempotent: an event id seen before is skipped. Keeps the last
 * `capacity` ids (a redelivery arrives soon after the original); durable
 * stores record processed ids in the same transaction instead.
 */
export function dedupeById<Payload>(handler: EventHandler<Payload>, capacity = 10_000): EventHandler<Payload> {
  const seen = new Set<string>();
  const dropOldest = oldestKeyDropper(seen);
  return async (event) => {
    if (seen.has(event.id)) return;
    await handler(event);
    seen.add(event.id);
    if (seen.size > capacity) dropOldest();
  };
}
