import { RpcReplies, type RpcReply, type RpcSubject, type RpcTransport } from "@jts/contracts";
import { AppError } from "../errors.ts";
import { compile, type Validator } from "../validate.ts";

export interface RpcClient {
  /** Requests `subject` and returns its reply once it matches the contracts' reply schema. */
  call<S extends RpcSubject>(subject: S, payload?: unknown, as?: { actor: string }): Promise<RpcReply<S>>;
}

const validators = new Map<RpcSubject, Validator<(typeof RpcReplies)[RpcSubject]>>();

function validatorFor(subject: RpcSubject) {
  let validator = validators.get(subject);
  if (!validator) {
    validator = compile(RpcReplies[subject]);
    validators.set(subject, validator);
  }
  return validator;
}

export function rpcClient(rpc: RpcTransport, timeoutMs?: number): RpcClient {
  return {
    async call<S extends RpcSubject>(subject: S, payload: unknown = {}, as?: { actor: string }): Promise<RpcReply<S>> {
      const reply = await rpc.request(subject, payload, {
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(as ? { actor: as.actor } : {}),
      });
      if (!validatorFor(subject).check(reply))
        throw new AppError("INTERNAL", `${subject} answered with a reply that breaks its contract`);
      return reply as RpcReply<S>;
    },
  };
}
