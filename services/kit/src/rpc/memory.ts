import type { RpcContext, RpcHandler, RpcRequestOptions, RpcTransport, Subscription } from "@jts/contracts";
import { AppError } from "../errors.ts";
import { Deadlines } from "./deadlines.ts";

export const DEFAULT_RPC_TIMEOUT_MS = 5000;

/** The contexts of calls made on no one's behalf: shared, so the hot path allocates nothing for them. */
const NO_ACTOR: RpcContext = Object.freeze({});
const NO_ACTOR_CHECKED: RpcContext = Object.freeze({ checked: true });

function contextOf(options: RpcRequestOptions): RpcContext {
  if (options.actor === undefined) return options.checked ? NO_ACTOR_CHECKED : NO_ACTOR;
  return options.checked ? { actor: options.actor, checked: true } : { actor: options.actor };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

/** The handler's answer, or a TIMEOUT AppError once `timeoutMs` has passed without one. */
function withTimeout(
  answer: PromiseLike<unknown>,
  subject: string,
  timeoutMs: number,
  deadlines: Deadlines,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const deadline = deadlines.add(timeoutMs, () =>
      reject(new AppError("TIMEOUT", `${subject} did not answer within ${timeoutMs} ms`)),
    );
    answer.then(
      (value) => {
        deadline.settle();
        resolve(value);
      },
      (error: unknown) => {
        deadline.settle();
        reject(error);
      },
    );
  });
}

/**
 * In-process request/reply. Several servers of one subject share requests
 * round-robin, like a NATS queue group. Requests are passed by reference, so
 * handlers must treat them as read-only (the contracts' types are plain data);
 * nothing is serialized, and a caller's `checked` reaches the typed `serve` as
 * `context.checked`, so a payload its contract already checked is not checked
 * twice.
 */
export class MemoryRpc implements RpcTransport {
  private readonly handlers = new Map<string, RpcHandler[]>();
  private readonly nextIndex = new Map<string, number>();
  private closed = false;
  /** The pending requests' timeouts: one timer per timeout length, not one per request (deadlines.ts). */
  private readonly deadlines = new Deadlines();

  async serve(subject: string, handler: RpcHandler): Promise<Subscription> {
    const list = this.handlers.get(subject) ?? [];
    list.push(handler);
    this.handlers.set(subject, list);
    return {
      unsubscribe: async () => {
        const remaining = (this.handlers.get(subject) ?? []).filter((h) => h !== handler);
        if (remaining.length > 0) this.handlers.set(subject, remaining);
        else this.handlers.delete(subject);
      },
    };
  }

  async request<Reply = unknown>(subject: string, payload: unknown, options: RpcRequestOptions = {}): Promise<Reply> {
    if (this.closed) throw new AppError("UNAVAILABLE", "rpc transport is closed");
    const list = this.handlers.get(subject);
    if (!list || list.length === 0) throw new AppError("UNAVAILABLE", `no service answers ${subject}`);
    const index = (this.nextIndex.get(subject) ?? 0) % list.length;
    this.nextIndex.set(subject, index + 1);
    const handler = list[index] as RpcHandler;
    // In-process: no wire to guard, so no credential; the actor still travels beside the payload.
    const context = contextOf(options);
    // The handler starts in a later microtask, as over a wire: never inside the caller's own synchronous code.
    await undefined;
    try {
      const result = handler(payload, context);
      // A handler that answered synchronously cannot be late: no timer for it.
      if (!isThenable(result)) return result as Reply;
      return (await withTimeout(result, subject, options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS, this.deadlines)) as Reply;
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError("INTERNAL", `${subject} failed: ${(error as Error).message ?? String(error)}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
  }
}
