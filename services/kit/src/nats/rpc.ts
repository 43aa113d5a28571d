import type { RpcContext, RpcHandler, RpcRequestOptions, RpcTransport, Subscription } from "@jts/contracts";
import {
  type MsgHdrs,
  type NatsConnection,
  type NatsError,
  ErrorCode as NatsErrorCode,
  headers as natsHeaders,
} from "nats";
import { AppError } from "../errors.ts";
import { ACTOR_HEADER } from "../internal-plane.ts";
import { DEFAULT_RPC_TIMEOUT_MS } from "../rpc/memory.ts";
import { credentialMatches, SERVICE_TOKEN_HEADER, serviceCredential } from "../service-credential.ts";

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; details?: unknown } };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (value: unknown) => encoder.encode(JSON.stringify(value ?? null));

/**
 * Request/reply over NATS core (this replaces gRPC). Every server of a subject
 * joins one queue group, so replicas share requests. Replies carry either the
 * result or the contracts' error shape, so a domain error crosses the wire
 * with its code; no responders and timeouts become UNAVAILABLE and TIMEOUT.
 * Every request carries the service credential and the actor in NATS
 * headers (the envelope); a server answers UNAUTHORIZED, without running the
 * handler, to a request whose credential is missing or wrong.
 */
export class NatsRpc implements RpcTransport {
  constructor(
    private readonly nc: NatsConnection,
    private readonly options: {
      queue?: string;
      ownsConnection?: boolean /** Keeps several platforms on one NATS apart. */;
      prefix?: string;
      /** The service credential sent and required; this process's (JTS_SERVICE_TOKEN) by default. */
      credential?: string;
    } = {},
  ) {
    this.credential = options.credential ?? serviceCredential();
  }

  private readonly credential: string;

  /** The envelope of a request, or null when it lacks the credential. */
  private contextOf(h: MsgHdrs | undefined): RpcContext | null {
    if (!credentialMatches(h?.get(SERVICE_TOKEN_HEADER), this.credential)) return null;
    const actor = h?.get(ACTOR_HEADER);
    return actor ? { actor: actor.slice(0, 64) } : {};
  }

  private subject(name: string): string {
    return this.options.prefix ? `${this.options.prefix}.${name}` : name;
  }

  async serve(subject: string, handler: RpcHandler): Promise<Subscription> {
    const sub = this.nc.subscribe(this.subject(subject), {
      queue: this.options.queue ?? "jts",
      callback: (error, msg) => {
        if (error) return;
        void (async () => {
          let reply: Reply;
          try {
            const context = this.contextOf(msg.headers);
            if (!context) throw new AppError("UNAUTHORIZED", `${subject}: missing or wrong service credential`);
            const request = msg.data.length === 0 ? null : JSON.parse(decoder.decode(msg.data));
            reply = { ok: true, result: await handler(request, context) };
          } catch (e) {
            const appError =
              e instanceof AppError
                ? e
                : e instanceof SyntaxError
                  ? new AppError("BAD_REQUEST", "request is not JSON")
                  : new AppError("INTERNAL", `${subject} failed: ${(e as Error).message}`);
            reply = { ok: false, error: appError.toBody().error };
          }
          msg.respond(encode(reply));
        })();
      },
    });
    await this.nc.flush(); // the subscription is live on the server before serve() resolves
    return {
      unsubscribe: async () => {
        sub.unsubscribe();
        await this.nc.flush();
      },
    };
  }

  async request<R = unknown>(subject: string, payload: unknown, options: RpcRequestOptions = {}): Promise<R> {
    const timeout = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    let data: Uint8Array;
    try {
      const envelope = natsHeaders();
      envelope.set(SERVICE_TOKEN_HEADER, this.credential);
      if (options.actor) envelope.set(ACTOR_HEADER, options.actor);
      const msg = await this.nc.request(this.subject(subject), encode(payload), { timeout, headers: envelope });
      data = msg.data;
    } catch (e) {
      const code = (e as NatsError).code;
      if (code === NatsErrorCode.NoResponders) throw new AppError("UNAVAILABLE", `no service answers ${subject}`);
      if (code === NatsErrorCode.Timeout)
        throw new AppError("TIMEOUT", `${subject} did not answer within ${timeout} ms`);
      throw new AppError("UNAVAILABLE", `${subject}: ${(e as Error).message}`);
    }
    const reply = JSON.parse(decoder.decode(data)) as Reply;
    if (reply.ok) return reply.result as R;
    throw AppError.fromBody({ error: reply.error });
  }

  async close(): Promise<void> {
    if (this.options.ownsConnection !== false && !this.nc.isClosed()) await this.nc.drain();
  }
}
