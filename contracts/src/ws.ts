import { type Static, Type as t } from "@sinclair/typebox";

/**
 * The gateway's /ws protocol. The token goes in the first message, never in
 * the URL (URLs land in logs). Channels: `ticker:<symbol>`, `candles:<symbol>:1m`,
 * `orders`, `fills`, `positions`, `risk`, `alerts`.
 */
export const WsClientMessage = t.Union([
  t.Object({ op: t.Literal("auth"), token: t.String({ minLength: 1, maxLength: 4096 }) }),
  t.Object({
    op: t.Literal("subscribe"),
    channels: t.Array(t.String({ maxLength: 64 }), { minItems: 1, maxItems: 100 }),
  }),
  t.Object({
    op: t.Literal("unsubscribe"),
    channels: t.Array(t.String({ maxLength: 64 }), { minItems: 1, maxItems: 100 }),
  }),
  t.Object({ op: t.Literal("ping") }),
]);
export type WsClientMessage = Static<typeof WsClientMessage>;

export type WsServerMessage =
  | { op: "authed"; user: string }
  | { op: "subscribed"; channels: string[] }
  | { op: "unsubscribed"; channels: string[] }
  | { op: "pong" }
  | { op: "error"; code: string; message: string }
  /** `seq` counts per connection so a client sees gaps; `snapshot` marks the initial state. */
  | { op: "event"; channel: string; seq: number; snapshot?: boolean; data: unknown };

export const WS_CHANNEL_PATTERN =
  /^(ticker:[A-Z0-9-]{2,20}|candles:[A-Z0-9-]{2,20}:1m|orders|fills|positions|risk|alerts)$/;
