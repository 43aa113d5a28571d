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
import { isDeeplyFrozen } from "../frozen.ts";
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

/**
 * A reply schema's validator, and the replies it passed that cannot change: an
 * in-process service may answer the very same frozen object again while its
 * state is unchanged (portfolio-tracker's positions), and checking it again
 * would find what it found before. Anything not deeply frozen (every reply over
 * NATS, most in-process ones) is checked every time.
 */
interface ReplyCheck {
  validator: Validator<TSchema>;
  passed: WeakSet<object>;
}

const replyChecks = new Map<string, ReplyCheck>();
/** Each subject called so far -> its reply check: one lookup per call, no contract search or slicing. */
const replyChecksBySubject = new Map<string, ReplyCheck>();

/** Whether `reply` meets the reply contract; a deeply frozen one that did is not checked again. */
function replyPasses(check: ReplyCheck, reply: unknown): boolean {
  if (typeof reply === "object" && reply !== null && check.passed.has(reply)) return true;
  if (!check.validator.check(reply)) return false;
  if (typeof reply === "object" && reply !== null && isDeeplyFrozen(reply)) check.passed.add(reply);
  return true;
}

/** One check per reply schema; the broker subjects of every broker share their op's. */
function replyCheckFor(subject: string): ReplyCheck {
  const known = replyChecksBySubject.get(subject);
  if (known) return known;
  const contract = rpcContract(subject);
  if (!contract) throw new AppError("INTERNAL", `no contract names the rpc subject ${subject}`);
  const key = subject.startsWith("broker.") ? subject.slice(subject.lastIndexOf(".")) : subject;
  let check = replyChecks.get(key);
  if (!check) {
    check = { validator: compile(contract.reply), passed: new WeakSet() };
    replyChecks.set(key, check);
  }
  replyChecksBySubject.set(subject, check);
  return check;
}

export function rpcClient(rpc: RpcTransport, timeoutMs?: number): RpcClient {
  // The request options of calls on no one's behalf, made once: transports only read them.
  const plain: RpcRequestOptions = Object.freeze(timeoutMs === undefined ? {} : { timeoutMs });
  const checked: RpcRequestOptions = Object.freeze({ ...plain, checked: true });
  const optionsOf = (options: CallOptions | undefined): RpcRequestOptions => {
    if (options === undefined) return plain;
    if (options.timeoutMs === undefined && options.actor === undefined) return options.checked ? checked : plain;
    const timeout = options.timeoutMs ?? timeoutMs;
    const sent: RpcRequestOptions = {};
    if (timeout !== undefined) sent.timeoutMs = timeout;
    if (options.actor !== undefined) sent.actor = options.actor;
    if (options.checked) sent.checked = true;
    return sent;
  };
  // Named parameters, not a rest tuple: the call on every hop of an order builds no arguments array.
  async function call(subject: RpcSubject, payload?: unknown, options?: CallOptions): Promise<unknown> {
    const check = replyCheckFor(subject);
    const reply = await rpc.request(subject, payload ?? {}, optionsOf(options));
    if (!replyPasses(check, reply))
      throw new AppError("INTERNAL", `${subject} answered with a reply that breaks its contract`);
    return reply;
  }
  return { call: call as RpcClient["call"] };
}
