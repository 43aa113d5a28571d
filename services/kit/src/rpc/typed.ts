import {
  type RpcContext,
  type RpcReply,
  type RpcRequest,
  type RpcSubject,
  type RpcTransport,
  rpcContract,
  type Subscription,
} from "@jts/contracts";
import { AppError } from "../errors.ts";
import { compile } from "../validate.ts";

/**
 * Serves `subject`: every request is checked against the subject's contract
 * request schema first (a VALIDATION error otherwise, the handler never runs),
 * and the handler must answer the contract's reply type. The one exception is
 * an in-process caller that vouched its payload was checked already
 * (`context.checked`, set only by the memory transport): no second check.
 */
export function serve<S extends RpcSubject>(
  rpc: RpcTransport,
  subject: S,
  handler: (request: RpcRequest<S>, context: RpcContext) => RpcReply<S> | Promise<RpcReply<S>>,
): Promise<Subscription> {
  const contract = rpcContract(subject);
  if (!contract) throw new AppError("INTERNAL", `no contract names the rpc subject ${subject}`);
  const validator = compile(contract.request);
  return rpc.serve(subject, (request, context) =>
    handler((context.checked ? request : validator.parse(request)) as RpcRequest<S>, context),
  );
}
