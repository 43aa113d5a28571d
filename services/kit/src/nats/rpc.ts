import type { RpcContext, RpcHandler, RpcRequestOptions, RpcTransport, Subscription } from "@jts/contracts";
import { createInbox, type Msg, type NatsConnection, type Subscription as NatsSub, headers as natsHeaders } from "nats";
import { AppError } from "../errors.ts";
import { ACTOR_HEADER } from "../internal-plane.ts";
import { DEFAULT_RPC_TIMEOUT_MS } from "../rpc/memory.ts";
import { SERVICE_TOKEN_ENV, serviceCredential } from "../service-credential.ts";
import {
  NONCE_HEADER,
  NonceCache,
  newNonce,
  SIGNATURE_HEADER,
  signatureMatches,
  signReply,
  signRequest,
  TIMESTAMP_HEADER,
} from "./rpc-signature.ts";

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; details?: unknown } };

/** A request waiting for its signed reply on this connection's reply inbox. */
type Pending = {
  subject: string;
  nonce: string;
  refused: number;
  resolve: (data: Uint8Array) => void;
  reject: (error: AppError) => void;
  timer: ReturnType<typeof setTimeout>;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (value: unknown) => encoder.encode(JSON.stringify(value ?? null));

/**
 * Request/reply over NATS core (this replaces gRPC). Every server of a subject
 * joins one queue group, so replicas share requests. Replies carry either the
 * result or the contracts' error shape, so a domain error crosses the wire
 * with its code; no responders and timeouts become UNAVAILABLE and TIMEOUT.
 *
 * The service credential is a signing key and never crosses the bus (see
 * rpc-signature.ts). A request carries a timestamp, a nonce, the actor and an
 * HMAC over them, the subject and the body; a server answers UNAUTHORIZED,
 * without running the handler, to one that is unsigned, wrongly signed, stale
 * or replayed. Every reply is signed over the request's subject and nonce; the
 * caller ignores a reply that is not (a rogue responder on the bus) and keeps
 * waiting for the real one, and when the time runs out having seen only
 * forged replies it fails with UNAVAILABLE naming them, not TIMEOUT.
 */
export class NatsRpc implements RpcTransport {
  constructor(
    private readonly nc: NatsConnection,
    private readonly options: {
      queue?: string;
      ownsConnection?: boolean /** Keeps several platforms on one NATS apart. */;
      prefix?: string;
      /** The signing key; this process's service credential (JTS_SERVICE_TOKEN) by default. */
      credential?: string;
    } = {},
  ) {
    this.key = options.credential ?? serviceCredential();
  }

  private readonly key: string;
  private readonly nonces = new NonceCache();
  private readonly pending = new Map<string, Pending>();
  private inbox?: { prefix: string; sub: NatsSub };
  private sequence = 0;

  /** The envelope of a request, or why it is refused. */
  private contextOf(msg: Msg): RpcContext | string {
    const h = msg.headers;
    const timestamp = h?.get(TIMESTAMP_HEADER) ?? "";
    const nonce = h?.get(NONCE_HEADER) ?? "";
    const actor = h?.get(ACTOR_HEADER) ?? "";
    const expected = signRequest(this.key, { subject: msg.subject, timestamp, nonce, actor, body: msg.data });
    if (!nonce || !signatureMatches(h?.get(SIGNATURE_HEADER), expected)) return "missing or wrong signature";
    const refusal = this.nonces.admit(Number(timestamp), nonce);
    if (refusal) return refusal;
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
            const context = this.contextOf(msg);
            if (typeof context === "string") throw new AppError("UNAUTHORIZED", `${subject}: ${context}`);
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
          const nonce = msg.headers?.get(NONCE_HEADER) ?? "";
          const answer = (body: Uint8Array) => {
            const envelope = natsHeaders();
            envelope.set(SIGNATURE_HEADER, signReply(this.key, { subject: msg.subject, nonce, body }));
            msg.respond(body, { headers: envelope });
          };
          const body = encode(reply);
          try {
            answer(body);
          } catch (e) {
            // An answer past the server's max_payload (1 MiB by default: GET /api/candles?limit=5000)
            // would be lost and the caller would wait for its timeout: it gets the reason at once.
            if ((e as { code?: string }).code !== "MAX_PAYLOAD_EXCEEDED") throw e;
            const tooLarge = new AppError(
              "PAYLOAD_TOO_LARGE",
              `${subject}: the answer (${body.length} bytes) is larger than the bus carries (${this.nc.info?.max_payload ?? "?"} bytes); ask for less (a smaller limit or range)`,
            );
            answer(encode({ ok: false, error: tooLarge.toBody().error }));
          }
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

  /** One wildcard inbox per connection (as nats.js's own request does), so a request costs no SUB. */
  private replyInbox(): string {
    if (!this.inbox) {
      const prefix = createInbox();
      const sub = this.nc.subscribe(`${prefix}.*`, { callback: (error, msg) => error || this.onReply(prefix, msg) });
      this.inbox = { prefix, sub };
    }
    return this.inbox.prefix;
  }

  private onReply(prefix: string, msg: Msg): void {
    const token = msg.subject.slice(prefix.length + 1);
    const waiting = this.pending.get(token);
    if (!waiting) return;
    // The server's own "no responders" status (it cannot be signed: it comes from NATS, not a service).
    if (msg.headers?.code === 503 && msg.data.length === 0) {
      this.settle(token);
      waiting.reject(new AppError("UNAVAILABLE", `no service answers ${waiting.subject}`));
      return;
    }
    const expected = signReply(this.key, { subject: waiting.subject, nonce: waiting.nonce, body: msg.data });
    if (!signatureMatches(msg.headers?.get(SIGNATURE_HEADER), expected)) {
      waiting.refused++; // a forged or foreign reply: not an answer, keep waiting for the server's
      return;
    }
    this.settle(token);
    waiting.resolve(msg.data);
  }

  private settle(token: string): void {
    const waiting = this.pending.get(token);
    if (waiting) clearTimeout(waiting.timer);
    this.pending.delete(token);
  }

  async request<R = unknown>(subject: string, payload: unknown, options: RpcRequestOptions = {}): Promise<R> {
    const timeout = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    const name = subject;
    const fullSubject = this.subject(subject);
    const body = encode(payload);
    const timestamp = String(Date.now());
    const nonce = newNonce();
    const actor = options.actor ?? "";
    const envelope = natsHeaders();
    envelope.set(TIMESTAMP_HEADER, timestamp);
    envelope.set(NONCE_HEADER, nonce);
    if (actor) envelope.set(ACTOR_HEADER, actor);
    envelope.set(SIGNATURE_HEADER, signRequest(this.key, { subject: fullSubject, timestamp, nonce, actor, body }));
    const token = String(++this.sequence);
    const data = await new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        const waiting = this.pending.get(token);
        this.settle(token);
        reject(
          waiting?.refused
            ? new AppError(
                "UNAVAILABLE",
                `${name}: ${waiting.refused} unsigned or wrongly signed repl${waiting.refused === 1 ? "y" : "ies"} refused and no signed one within ${timeout} ms (a rogue responder on the bus, or this process and the server hold different ${SERVICE_TOKEN_ENV})`,
              )
            : new AppError("TIMEOUT", `${name} did not answer within ${timeout} ms`),
        );
      }, timeout);
      this.pending.set(token, { subject: fullSubject, nonce, refused: 0, resolve, reject, timer });
      try {
        this.nc.publish(fullSubject, body, { reply: `${this.replyInbox()}.${token}`, headers: envelope });
      } catch (e) {
        this.settle(token);
        reject(new AppError("UNAVAILABLE", `${name}: ${(e as Error).message}`));
      }
    });
    const reply = JSON.parse(decoder.decode(data)) as Reply;
    if (reply.ok) return reply.result as R;
    throw AppError.fromBody({ error: reply.error });
  }

  async close(): Promise<void> {
    for (const [token, waiting] of this.pending) {
      this.settle(token);
      waiting.reject(new AppError("UNAVAILABLE", `${waiting.subject}: the rpc connection closed`));
    }
    this.inbox?.sub.unsubscribe();
    this.inbox = undefined;
    if (this.options.ownsConnection !== false && !this.nc.isClosed()) await this.nc.drain();
  }
}
