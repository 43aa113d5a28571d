import type { RpcContext, RpcTransport, Subscription } from "@jts/contracts";
import type { Static, TSchema } from "@sinclair/typebox";
import { compile } from "../validate.ts";

/** Serves a subject whose requests are checked against a contracts schema first. */
export function serveChecked<S extends TSchema>(
  rpc: RpcTransport,
  subject: string,
  schema: S,
  handler: (request: Static<S>, context: RpcContext) => unknown,
): Promise<Subscription> {
  const validator = compile(schema);
  return rpc.serve(subject, (request, context) => handler(validator.parse(request), context));
}
