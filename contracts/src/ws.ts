import { type Static, Type as t } from "@sinclair/typebox";
import type { BacktestProgress } from "./backtests.ts";
import type { Candle, CandleInterval, Tick } from "./market.ts";
import type { Alert, Fill, Order, Position, RiskStatus } from "./trading.ts";

/**
 * The gateway's /ws protocol. The token goes in the first message, never in
 * the URL (URLs land in logs). Channels: `ticker:<symbol>`, `candles:<symbol>:1m`
 * (public, conflatable) and `orders`, `fills`, `positions`, `risk`, `alerts`
 * (private: filtered to the user's accounts, never conflated, resumable),
 * `backtest:<id>` (a PWA backtest's progress, its owner only, not resumable:
 * refetch GET /api/backtests/:id after a reconnect).
 *
 * Two numbers, two jobs:
 * - `seq` numbers a channel's events 1, 2, 3... (per gateway process). On a
 *   public channel (ticker, candles, backtest) the number is the channel's,
 *   the same on every connection, so the gateway serialises each event once
 *   and publishes that one frame to every subscriber. On a private channel it
 *   is the channel's number in the user's stream (shared by that user's
 *   connections). Subscribing sends the channel's snapshot events first, each
 *   carrying the channel's last `seq` at the time (0 before any event), then
 *   the live events from the next number on: no gap and no repeat between
 *   snapshot and stream. After that each event on a channel is the previous
 *   one + 1, with one exception: while a connection is backed up the gateway
 *   conflates its ticker and candle events (it keeps the latest per symbol and
 *   venue, or per candle), so a public channel may jump forward; it never goes
 *   back. A private channel never jumps (never conflated): a jump or a step
 *   back there means a lost message: refetch REST state. Nothing is dropped
 *   silently otherwise: a connection the gateway cannot keep up is closed
 *   (1013). A channel nobody holds is forgotten and numbers from 1 again
 *   later, behind a fresh snapshot.
 * - `userSeq` is a private event's position in its user's private stream
 *   across all private channels, which the gateway keeps per user and names
 *   `stream` (a new name after a gateway restart, and per replica). One
 *   connection sees only the channels it subscribed to, so `userSeq` skips
 *   numbers there: it is the resume cursor, not a gap detector. Public and
 *   snapshot events carry none.
 *
 * Resuming: keep `{stream, seq}` where `seq` is the highest `userSeq` seen on
 * an event or a `subscribed` reply. After a reconnect, send
 * `{op:"subscribe", channels, resumeFrom:{stream, seq}}` for the private
 * channels that were subscribed (and confirmed) before. When the gateway still
 * holds every event after `seq` (it keeps the last 5000 or 10 minutes per
 * user), it replays exactly those, in order, with no snapshot, and answers
 * `resumed: true`; replayed events keep their channel `seq`, so each resumed
 * channel goes on from the last number the client saw. Otherwise it sends a
 * snapshot and `resumed: false`: refetch. A `subscribe` still unanswered when
 * the socket dropped gives no safe cursor (its snapshot may be half sent):
 * subscribe afresh.
 */
export const PRIVATE_WS_CHANNELS = ["orders", "fills", "positions", "risk", "alerts"] as const;
export type PrivateWsChannel = (typeof PRIVATE_WS_CHANNELS)[number];

/** The one builder of each public channel's name (the gateway publishes on it, clients subscribe to it). */
export const WsChannels = {
  ticker: (symbol: string) => `ticker:${symbol}` as const,
  candles: (symbol: string, interval: CandleInterval) => `candles:${symbol}:${interval}` as const,
  /** A PWA backtest's progress: its owner only (the hub checks), not resumable. */
  backtest: (id: string) => `backtest:${id}` as const,
} as const;
export type WsChannel = ReturnType<(typeof WsChannels)[keyof typeof WsChannels]> | PrivateWsChannel;

/** What an `event` message's `data` is on each channel (`risk`: the status, of the user's accounts only). */
export type WsChannelData<C extends WsChannel> = C extends `ticker:${string}`
  ? Tick
  : C extends `candles:${string}`
    ? Candle
    : C extends `backtest:${string}`
      ? BacktestProgress
      : {
          orders: Order;
          fills: Fill;
          positions: Position;
          risk: RiskStatus;
          alerts: Alert;
        }[C & PrivateWsChannel];

/** A channel name's parts: `ticker:<symbol>`, `candles:<symbol>:<interval>`, or a private channel (kind only). */
export function wsChannelParts(channel: string): { kind: string; symbol: string; interval: CandleInterval } {
  const [kind = "", symbol = "", interval = "1m"] = channel.split(":");
  // Only 1m candle channels pass WS_CHANNEL_PATTERN.
  return { kind, symbol, interval: interval as CandleInterval };
}

const Channels = t.Array(t.String({ maxLength: 64 }), { minItems: 1, maxItems: 100 });

export const WsResumePoint = t.Object({
  stream: t.String({ minLength: 1, maxLength: 64 }),
  seq: t.Integer({ minimum: 0 }),
});
export type WsResumePoint = Static<typeof WsResumePoint>;

export const WsClientMessage = t.Union([
  t.Object({ op: t.Literal("auth"), token: t.String({ minLength: 1, maxLength: 4096 }) }),
  t.Object({ op: t.Literal("subscribe"), channels: Channels, resumeFrom: t.Optional(WsResumePoint) }),
  t.Object({ op: t.Literal("unsubscribe"), channels: Channels }),
  t.Object({ op: t.Literal("ping") }),
]);
export type WsClientMessage = Static<typeof WsClientMessage>;

export type WsServerMessage =
  /** `stream` names the user's private stream on this gateway; compare it with a saved cursor. */
  | { op: "authed"; user: string; stream: string }
  /**
   * Sent once the request's replay or snapshots have all been sent. `resumed`:
   * the private channels were replayed from `resumeFrom` (false: they got a
   * snapshot instead; refetch). `userSeq`: the stream's head then; every
   * private event up to it on this connection's channels has been sent.
   */
  | { op: "subscribed"; channels: string[]; resumed: boolean; userSeq: number }
  | { op: "unsubscribed"; channels: string[] }
  | { op: "pong" }
  /** Close codes: 4401 not authenticated, token invalid, expired or revoked; 1013 slow consumer; 1001 shutdown. */
  | { op: "error"; code: string; message: string }
  /**
   * `seq`: the event's number on its channel (see above). `snapshot` marks the state sent on subscribe (its
   * `seq` is the channel's last number then); it may overlap the live events after it, so upsert by id.
   */
  | { op: "event"; channel: string; seq: number; userSeq?: number; snapshot?: boolean; data: unknown };

export const WS_CHANNEL_PATTERN =
  /^(ticker:[A-Z0-9-]{2,20}|candles:[A-Z0-9-]{2,20}:1m|orders|fills|positions|risk|alerts|backtest:[A-Za-z0-9_.:-]{1,64})$/;
