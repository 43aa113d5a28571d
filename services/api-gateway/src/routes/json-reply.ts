import { isDeeplyFrozen } from "@jts/kit";
import type { DocumentDecoration, Static, TSchema } from "elysia";

/** Every property name the schema declares, at any depth: what JSON.stringify may write (its key allow-list). */
function declaredFields(schema: unknown, into = new Set<string>()): Set<string> {
  if (typeof schema !== "object" || schema === null) return into;
  const node = schema as { properties?: Record<string, unknown>; items?: unknown; anyOf?: unknown[] };
  for (const [name, property] of Object.entries(node.properties ?? {})) {
    into.add(name);
    declaredFields(property, into);
  }
  declaredFields(node.items, into);
  for (const option of node.anyOf ?? []) declaredFields(option, into);
  return into;
}

/**
 * A route that answers an rpc reply as JSON. The rpc client has checked the
 * reply against its contract already (kit/rpc/client.ts), the same schema the
 * route documents, so Elysia is not asked to check it again, clean it and
 * serialize it on every request (together more than half of GET
 * /api/positions' CPU). Instead:
 *
 * - only the schema's declared fields are written (JSON.stringify's key
 *   allow-list), so nothing the service adds leaves the gateway, as Elysia's
 *   cleaning did;
 * - a reply that cannot change (deeply frozen: an in-process service that
 *   answers from memory, portfolio-tracker's PositionsView) is serialized
 *   once and its JSON kept by identity, as long as the reply itself lives;
 *   a new state is a new object, serialized again. Replies over NATS are new
 *   objects every time and serialized every time.
 *
 * Use `docs` as the route's `detail` (the OpenAPI answer, as `response` would
 * document it) and return `answer(set, reply)`.
 */
export function jsonReply<S extends TSchema>(schema: S) {
  const fields = [...declaredFields(schema)];
  const serialized = new WeakMap<object, string>();
  const serialize = (reply: unknown) => JSON.stringify(reply, fields);
  const jsonOf = (reply: unknown): string => {
    if (typeof reply !== "object" || reply === null) return serialize(reply);
    // Kept only for a deeply frozen reply, which stays so: a hit needs no second look.
    let json = serialized.get(reply);
    if (json !== undefined) return json;
    json = serialize(reply);
    if (isDeeplyFrozen(reply)) serialized.set(reply, json);
    return json;
  };
  return {
    // What a `response: schema` route option documents (the TypeBox schema is JSON Schema already).
    docs: {
      responses: {
        200: { description: "Response for status 200", content: { "application/json": { schema: schema as object } } },
      },
    } as DocumentDecoration,
    /**
     * The reply's JSON text, with its content type. Typed as the reply it encodes, which is what
     * the client reads (Eden infers the route's answer from this); Elysia sends a string as it is.
     */
    answer(set: { headers: Record<string, string | number> }, reply: Static<S>): Static<S> {
      set.headers["content-type"] = "application/json;charset=utf-8";
      return jsonOf(reply) as Static<S>;
    },
  };
}
