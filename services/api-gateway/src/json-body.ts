import { AppError } from "@jts/kit";
import { Elysia } from "elysia";

/** Keys that reach an object's prototype when a parsed body is merged or copied into another object. */
const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype"] as const;

/** The first prototype key held as an own key anywhere in `value` (iterative: a deeply nested body cannot overflow the stack). */
export function prototypeKeyIn(value: unknown): string | undefined {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== "object" || next === null) continue;
    if (!Array.isArray(next)) for (const key of PROTOTYPE_KEYS) if (Object.hasOwn(next, key)) return key;
    for (const child of Object.values(next)) if (typeof child === "object" && child !== null) pending.push(child);
  }
  return undefined;
}

/**
 * Refuses (422) a request body holding an object key that can reach a
 * prototype, at any depth. `JSON.parse` keeps `"__proto__"` as an own key and
 * the schemas' `additionalProperties: false` did not stop it: Elysia drops
 * unknown keys before validating, so the body was accepted. Runs before
 * validation, on the body as parsed.
 */
export function noPrototypeKeys() {
  return new Elysia({ name: "gateway.no-prototype-keys" }).onTransform({ as: "global" }, ({ body }) => {
    if (typeof body !== "object" || body === null) return;
    const key = prototypeKeyIn(body);
    if (key !== undefined) throw new AppError("VALIDATION", `the body may not hold the key ${JSON.stringify(key)}`);
  });
}
