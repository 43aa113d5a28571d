import type { RpcContext, RpcHandler, RpcRequestOptions, RpcTransport, Subscription } from "@jts/contracts";
import { AppError } from "../errors.ts";

export const DEFAULT_RPC_TIMEOUT_MS = 5000;

/** The context of a call made on no one's behalf: shared, so the hot path allocates nothing for it. */
const NO_ACTOR: RpcContext = Object.freeze({});

/**
 * In-process request/reply. Several servers of one subject share requests
 * round-robin, like a NATS queue group. Requests are passed by reference, so
 * handlers must treat them as read-only (the contracts' types are plain data).
 */
export class MemoryRpc implements RpcTransport {
  private readonly handlers = new Map<string, RpcHandler[]>();
  private readonly nextIndex = new Map<string, number>();
  private closed = false;

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
    const timeoutMs = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new AppError("TIMEOUT", `${subject} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      // In-process: no wire to guard, so no credential; the actor still travels beside the payload.
      const context = options.actor === undefined ? NO_ACTOR : { actor: options.actor };
      return (await Promise.race([Promise.resolve().then(() => handler(payload, context)), timeout])) as Reply;
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError("INTERNAL", `${subject} failed: ${(error as Error).message ?? String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
  }
}
