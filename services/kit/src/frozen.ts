/**
 * Frozen all the way down: nothing in it can change any more, so whatever was
 * derived from it once (a contract check, its JSON) still holds. In-process
 * services hand out such objects where they answer the same state again
 * (portfolio-tracker's PositionsView); callers may keep what they derive from
 * one by identity (a WeakMap), never from an object that is not.
 */
export function isDeeplyFrozen(value: unknown, depth = 0): boolean {
  if (typeof value !== "object" || value === null) return true;
  if (depth > 8 || !Object.isFrozen(value)) return false;
  for (const key in value) if (!isDeeplyFrozen((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}
