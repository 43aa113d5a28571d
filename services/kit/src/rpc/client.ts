import {
  type RpcReply,
  type RpcRequest,
  type RpcRequestOptions,
  type RpcSubject,
  type RpcTransport,
  rpcContract,
} from "@jts/contracts";
import type { TSchema } from "@sinclair/typebox";
import { AppError } from "../errors.ts";
import { compile, type Validator } from "../validate.ts";

export interface CallOptions {
  /** The authenticated user this call acts for (the rpc envelope's actor). */
  actor?: string;
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number;
  /** The payload is built from contract-checked values: in-process, the server does not check it again. */
  checked?: boolean;
}

/** The payload is optional where the subject's request has no required field. */
export type CallArgs<S extends RpcSubject> =
  Partial<RpcRequest<S>> extends RpcRequest<S>
    ? [payload?: RpcRequest<S>, options?: CallOptions]
    : [payload: RpcRequest<S>, options?: CallOptions];

export interface RpcClient {
  /**
   * Requests `subject` with a payload its contract (contracts' RpcContracts or
   * BrokerRpc) accepts, and returns the reply once it matches the contract's
   * reply schema.
   */
  call<S extends RpcSubject>(subject: S, ...args: CallArgs<S>): Promise<RpcReply<S>>;
}

const replyValidators = new Map<string, Validator<TSchema>>();
/** Each subject called so far -> its reply validator: one lookup per call, no contract search or slicing. */
const replyValidatorsBySubject = new Map<string, Validator<TSchema>>();

/** One validator per reply schema; the broker subjects of every broker share their op's. */
function replyValidatorFor(subject: string): Validator<TSchema> {
  const known = replyValidatorsBySubject.get(subject);
  if (known) return known;
  const contract = rpcContract(subject);
  if (!contract) throw new AppError("INTERNAL", `no contract names the rpc subject ${subject}`);
  const key = subject.startsWith("broker.") ? subject.slice(subject.lastIndexOf(".")) : subject;
  let validator = replyValidators.get(key);
  if (!validator) {
    validator = compile(contract.reply);
    replyValidators.set(key, validator);
  }
  replyValidatorsBySubject.set(subject, validator);
  return validator;
}

export function rpcClient(rpc: RpcTransport, timeoutMs?: number): RpcClient {
  return {
    async call<S extends RpcSubject>(subject: S, ...[payload, options]: CallArgs<S>): Promise<RpcReply<S>> {
      const validator = replyValidatorFor(subject);
      const timeout = options?.timeoutMs ?? timeoutMs;
      const sent: RpcRequestOptions = {};
      if (timeout !== undefined) sent.timeoutMs = timeout;
      if (options?.actor !== undefined) sent.actor = options.actor;
      if (options?.checked) sent.checked = true;
      const reply = await rpc.request(subject, payload ?? {}, sent);
      if (!validator.check(reply))
        throw new AppError("INTERNAL", `${subject} answered with a reply that breaks its contract`);
      return reply as RpcReply<S>;
    },
  };
}
