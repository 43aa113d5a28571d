import {
  type BacktestProgress,
  type EventBus,
  PRIVATE_WS_CHANNELS,
  Subjects,
  type Subscription,
  type Topic,
  type TopicPayload,
  Topics,
  WS_CHANNEL_PATTERN,
  WsChannels,
  WsClientMessage,
  type WsResumePoint,
  type WsServerMessage,
} from "@jts/contracts";
import { compile, type Logger, type RpcClient } from "@jts/kit";
import type { AuthUser } from "../auth/users.ts";
import { riskStatusFor } from "../routes/risk.ts";
import { readSnapshots } from "./snapshots.ts";
import { UserStream } from "./user-stream.ts";

/** The slice of a WebSocket the hub needs; Bun's ServerWebSocket fits it. */
export interface WsConnection {
  /** Bun: bytes sent, -1 when queued behind backpressure, 0 when dropped. */
  send(data: string): number;
  close(code?: number, reason?: string): void;
  getBufferedAmount(): number;
}

type Timer = ReturnType<typeof setTimeout>;

/** What the hub keeps per user, across that user's sockets and reconnects. */
interface UserState {
  username: string;
  stream: UserStream;
  /** null = every account (admin). Re-read on every authentication, on account changes and on a timer. */
  accounts: string[] | null;
  /** The user as last authenticated, to re-read their accounts with. */
  user: AuthUser | null;
  clients: Set<Client>;
  /** Forgets the stream once no socket has used it for the replay window. */
  retireTimer: Timer | null;
}

interface Client {
  socket: WsConnection;
  /** The client's address (behind a trusted proxy, the one it reports), for the unauthenticated cap. */
  address: string;
  /** Still counted among its address's unauthenticated sockets. */
  awaitingAuth: boolean;
  open: boolean;
  user: AuthUser | null;
  state: UserState | null;
  channels: Set<string>;
  /** Channels waiting for their snapshot: their live frames queue here, in order, and follow it. */
  joining: Map<string, string[]>;
  /** Bytes queued in `joining`, bounded like unsent bytes. */
  joiningBytes: number;
  /** Above the soft bound when a public event came: its public events are conflated into `pending` until it drains. */
  backedUp: boolean;
  /** Public frames held back while backed up: the latest per conflation key, in `seq` order. */
  pending: Map<string, { channel: string; frame: string }>;
  authTimer: Timer | null;
  expiryTimer: Timer | null;
}

/** A public channel's numbering and its sockets (joining, live and backed up alike). */
interface PublicChannel {
  seq: number;
  members: Set<Client>;
}

export interface HubOptions {
  authenticate(token: string): Promise<AuthUser | null>;
  /** Whether an authenticated socket's session still holds (not logged out, user enabled, same token version); checked on every message. */
  isCurrent?(user: AuthUser): Promise<boolean>;
  accountsOf(user: AuthUser): Promise<string[] | null>;
  authTimeoutMs?: number;
  /**
   * Hard bound: a client with more unsent bytes is disconnected (1013) and
   * resumes later. Keep it under Bun's backpressureLimit (16 MiB), past which
   * send() silently drops.
   */
  maxBufferedBytes?: number;
  /** Soft bound: above it, ticker and candle events are conflated until the socket drains. */
  conflateAboveBytes?: number;
  /** The per-user replay ring keeps this many private events... */
  replayEvents?: number;
  /** ...for at most this long; a user's stream is forgotten this long after their last socket closed. */
  replayWindowMs?: number;
  /** Wall clock in ms (tests move it). */
  now?: () => number;
  /** Channels one socket may hold at once; a subscribe past it is refused. */
  maxChannels?: number;
  /** Frames before authentication larger than this close the socket (1009): only `auth` is expected. */
  preAuthFrameBytes?: number;
  /** Connected users' account lists are re-read this often (and on every account change event). */
  accountsRefreshMs?: number;
  /** Authenticated sockets one user may hold at once; one more is closed with 1013 (10 when not given). */
  maxSocketsPerUser?: number;
  /** Sockets not yet authenticated from one client address; one more is closed with 1013 (20 when not given). */
  maxUnauthenticatedPerAddress?: number;
  /** A PWA backtest's progress for `backtest:<id>`, null unless `username` owns it (then the subscribe is refused). */
  backtestOf?(username: string, id: string): BacktestProgress | null;
}

const BACKTEST_CHANNEL = "backtest:";

const clientMessage = compile(WsClientMessage);

/** A frame's size as received; Elysia has already parsed JSON text, bounded by the server's maxPayloadLength. */
function frameSize(raw: unknown): number {
  if (typeof raw === "string") return Buffer.byteLength(raw);
  if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) return raw.byteLength;
  return Buffer.byteLength(JSON.stringify(raw) ?? "");
}
const PRIVATE = new Set<string>(PRIVATE_WS_CHANNELS);
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Builds the event frame around data serialised once per event, not once per socket. */
const eventFrame = (channel: string, seq: number, json: string, userSeq?: number, snapshot?: boolean) =>
  `{"op":"event","channel":${JSON.stringify(channel)},"seq":${seq}${userSeq === undefined ? "" : `,"userSeq":${userSeq}`}${snapshot ? ',"snapshot":true' : ""},"data":${json}}`;

/**
 * The /ws fan-out. Authentication comes first (token in the first message,
 * never in the URL) and lasts only as long as the token: it closes with 4401
 * at `exp` or on revokeToken. Subscribing sends a snapshot, then the stream.
 * Every event is serialised once: a public channel numbers its events
 * (`seq`, shared by every socket) and sends the one frame to each socket
 * at once; a private channel is numbered per user (`seq` per channel,
 * `userSeq` across the user's stream), filtered to the user's accounts and
 * kept in a bounded ring, so a reconnecting client gets exactly what it
 * missed. A backed-up socket gets public events conflated per key until it
 * drains; past the hard bound it is closed, so one slow client never holds
 * back the others (sends never wait).
 */
export class WsHub {
  private readonly clients = new Map<WsConnection, Client>();
  /** Public channels only; private events reach sockets through their user's state. */
  private readonly publicChannels = new Map<string, PublicChannel>();
  private readonly users = new Map<string, UserState>();
  private readonly subscriptions: Subscription[] = [];
  private readonly hardBound: number;
  private readonly softBound: number;
  private readonly now: () => number;
  private readonly maxChannels: number;
  private readonly preAuthFrameBytes: number;
  /** Client address -> sockets from it that have not authenticated yet. */
  private readonly awaitingAuth = new Map<string, number>();
  private accountsTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly rpc: RpcClient,
    private readonly logger: Logger,
    private readonly options: HubOptions,
  ) {
    this.hardBound = options.maxBufferedBytes ?? 1 << 20;
    this.softBound = Math.min(options.conflateAboveBytes ?? 64 << 10, this.hardBound);
    this.now = options.now ?? Date.now;
    this.maxChannels = options.maxChannels ?? 200;
    this.preAuthFrameBytes = options.preAuthFrameBytes ?? 4096;
  }

  get size(): number {
    return this.clients.size;
  }

  async start(): Promise<void> {
    const on = async <T extends Topic>(pattern: T, handler: (payload: TopicPayload<T>) => void | Promise<void>) => {
      // What browsers see decides no order: it runs after the order path.
      this.subscriptions.push(await this.bus.subscribe(pattern, (e) => handler(e.payload), { lane: "background" }));
    };
    await on(Topics.allTicks, (tick) => {
      const channel = WsChannels.ticker(tick.symbol);
      this.publishPublic(channel, `${channel}|${tick.venue}`, tick);
    });
    await on(Topics.allCandles, (candle) => {
      const channel = WsChannels.candles(candle.symbol, candle.interval);
      // Keyed by bucket too, so a candle's closing update is never replaced by the next bucket's.
      this.publishPublic(channel, `${channel}|${candle.venue}|${candle.tsOpen}`, candle);
    });
    await on(Topics.orderUpdated, (p) => this.publishPrivate("orders", p, p.account));
    await on(Topics.fill, (p) => this.publishPrivate("fills", p, p.account));
    await on(Topics.positionUpdated, (p) => this.publishPrivate("positions", p, p.account));
    await on(Topics.alert, (p) => this.publishPrivate("alerts", p, p.account));
    // Only the owner can subscribe (subscribe checks), so the channel fans out like a public one; the latest progress wins.
    await on(Topics.backtestProgress, (p) => {
      const channel = WsChannels.backtest(p.id);
      this.publishPublic(channel, channel, p);
    });
    // An account armed, disarmed or re-owned: who may see it can have changed.
    await on(Topics.accountMode, () => this.refreshAccounts());
    this.accountsTimer = setInterval(() => void this.refreshAccounts(), this.options.accountsRefreshMs ?? 30_000);
    this.accountsTimer.unref?.();
    await on(Topics.tradingState, async () => {
      const status = await this.rpc.call(Subjects.riskStatus).catch(() => null);
      // Every user gets the platform state, and of the accounts' risk only their own.
      if (status) this.publishPrivate("risk", status, null, (accounts) => riskStatusFor(status, accounts));
    });
  }

  async stop(): Promise<void> {
    if (this.accountsTimer) clearInterval(this.accountsTimer);
    this.accountsTimer = null;
    await Promise.all(this.subscriptions.splice(0).map((s) => s.unsubscribe()));
    for (const client of [...this.clients.values()]) {
      client.socket.close(1001, "server shutting down");
      this.close(client.socket);
    }
    for (const state of this.users.values()) if (state.retireTimer) clearTimeout(state.retireTimer);
    this.users.clear();
    this.publicChannels.clear();
  }

  /** `address`: the client's (the gateway's ClientOrigin), so one address cannot hold many idle sockets. */
  open(socket: WsConnection, address = "unknown") {
    const cap = this.options.maxUnauthenticatedPerAddress ?? 20;
    const waiting = this.awaitingAuth.get(address) ?? 0;
    if (waiting >= cap) {
      socket.close(1013, `at most ${cap} unauthenticated sockets per address; authenticate or close one`);
      return;
    }
    this.awaitingAuth.set(address, waiting + 1);
    const client: Client = {
      socket,
      address,
      awaitingAuth: true,
      open: true,
      user: null,
      state: null,
      channels: new Set(),
      joining: new Map(),
      joiningBytes: 0,
      backedUp: false,
      pending: new Map(),
      authTimer: null,
      expiryTimer: null,
    };
    client.authTimer = setTimeout(() => {
      if (!client.user) this.refuse(client, "authenticate first");
    }, this.options.authTimeoutMs ?? 5000);
    this.clients.set(socket, client);
  }

  close(socket: WsConnection) {
    const client = this.clients.get(socket);
    if (!client) return;
    client.open = false;
    this.authenticated(client);
    if (client.authTimer) clearTimeout(client.authTimer);
    if (client.expiryTimer) clearTimeout(client.expiryTimer);
    for (const channel of client.channels) this.leave(client, channel);
    client.joining.clear();
    client.pending.clear();
    this.clients.delete(socket);
    const state = client.state;
    if (state?.clients.delete(client) && state.clients.size === 0) this.retire(state);
  }

  /** The socket no longer counts against its address's unauthenticated cap (authenticated or closed). */
  private authenticated(client: Client) {
    if (!client.awaitingAuth) return;
    client.awaitingAuth = false;
    const left = (this.awaitingAuth.get(client.address) ?? 1) - 1;
    if (left > 0) this.awaitingAuth.set(client.address, left);
    else this.awaitingAuth.delete(client.address);
  }

  /** Bun calls this when a backed-up socket can take more: send what conflation held back. */
  drain(socket: WsConnection) {
    const client = this.clients.get(socket);
    if (client?.open) this.flush(client);
  }

  /** Closes (4401) every socket authenticated with this token id; returns how many. */
  revokeToken(jti: string): number {
    return this.revokeWhere((user) => user.jti === jti, "token revoked");
  }

  /** Closes (4401) every socket of this session (a logout ends the tokens refreshed from it too). */
  revokeSession(sid: string): number {
    return this.revokeWhere((user) => user.sid === sid, "session ended");
  }

  /** Closes (4401) every socket of this user (disabled, role or password changed, logged out everywhere). */
  revokeUser(username: string): number {
    return this.revokeWhere((user) => user.username === username, "sessions of this user were ended");
  }

  private revokeWhere(matches: (user: AuthUser) => boolean, reason: string): number {
    let closed = 0;
    for (const client of [...this.clients.values()]) {
      if (!client.user || !matches(client.user)) continue;
      this.refuse(client, reason);
      closed += 1;
    }
    return closed;
  }

  /**
   * Re-reads the account list of every user with an open socket, so a user who
   * gains or loses an account sees exactly its events from then on. A failed
   * lookup keeps the old list (the next round retries).
   */
  async refreshAccounts(): Promise<void> {
    await Promise.all(
      [...this.users.values()].map(async (state) => {
        if (!state.user || state.clients.size === 0) return;
        try {
          state.accounts = await this.options.accountsOf(state.user);
        } catch (error) {
          this.logger.warn("ws accounts re-read failed", { user: state.username, error: (error as Error).message });
        }
      }),
    );
  }

  async message(socket: WsConnection, raw: unknown): Promise<void> {
    const client = this.clients.get(socket);
    if (!client) return;
    // Before authentication only a small `auth` is expected: anything bigger is refused unread.
    if (!client.user && frameSize(raw) > this.preAuthFrameBytes) {
      client.socket.close(1009, "frame too large before authentication");
      return this.close(socket);
    }
    let parsed: unknown = raw;
    if (typeof raw === "string") {
      try {
        parsed = JSON.parse(raw);
      } catch {
        return this.control(client, { op: "error", code: "BAD_REQUEST", message: "message is not JSON" });
      }
    }
    if (!clientMessage.check(parsed))
      return this.control(client, { op: "error", code: "VALIDATION", message: "unknown or malformed message" });
    const msg = parsed;
    if (msg.op === "ping") return this.control(client, { op: "pong" });
    if (msg.op === "auth") return this.authenticate(client, msg.token);
    if (!client.user) return this.refuse(client, "authenticate first");
    if (this.options.isCurrent && !(await this.options.isCurrent(client.user)))
      return this.refuse(client, "session ended");
    if (!client.open) return;
    if (msg.op === "unsubscribe") {
      for (const channel of msg.channels) {
        if (!client.channels.delete(channel)) continue;
        this.leave(client, channel);
        this.stopJoining(client, channel);
        for (const [key, held] of client.pending) if (held.channel === channel) client.pending.delete(key);
      }
      return this.control(client, { op: "unsubscribed", channels: msg.channels });
    }
    return this.subscribe(client, msg.channels, msg.resumeFrom);
  }

  private async authenticate(client: Client, token: string) {
    const user = await this.options.authenticate(token);
    if (!client.open) return;
    if (!user) return this.refuse(client, "invalid or expired token");
    // A fresh token for the same user extends the socket; another user needs another socket.
    if (client.user && client.user.username !== user.username) return this.refuse(client, "a socket serves one user");
    let accounts: string[] | null;
    try {
      accounts = await this.options.accountsOf(user);
    } catch (error) {
      this.logger.warn("ws accounts lookup failed", { user: user.username, error: (error as Error).message });
      this.control(client, { op: "error", code: "UNAVAILABLE", message: "accounts are unavailable; retry" });
      client.socket.close(1011, "accounts unavailable");
      return this.close(client.socket);
    }
    if (!client.open) return;
    const perUser = this.options.maxSocketsPerUser ?? 10;
    const held = this.users.get(user.username)?.clients.size ?? 0;
    if (!client.user && held >= perUser) {
      this.control(client, {
        op: "error",
        code: "RATE_LIMITED",
        message: `at most ${perUser} sockets per user (${held} open); close one first`,
      });
      client.socket.close(1013, `at most ${perUser} sockets per user`);
      return this.close(client.socket);
    }
    this.authenticated(client);
    const state = this.stateOf(user.username);
    state.accounts = accounts;
    state.user = user;
    state.clients.add(client);
    client.user = user;
    client.state = state;
    if (client.authTimer) clearTimeout(client.authTimer);
    client.authTimer = null;
    this.armExpiry(client);
    this.control(client, { op: "authed", user: user.username, stream: state.stream.id });
  }

  private async subscribe(client: Client, channels: string[], resumeFrom: WsResumePoint | undefined) {
    const bad = channels.filter((c) => !WS_CHANNEL_PATTERN.test(c));
    if (bad.length > 0)
      return this.control(client, { op: "error", code: "VALIDATION", message: `unknown channels: ${bad.join(", ")}` });
    const state = client.state as UserState;
    const foreign = channels.filter((c) => c.startsWith(BACKTEST_CHANNEL) && !this.backtestOf(state.username, c));
    if (foreign.length > 0)
      return this.control(client, {
        op: "error",
        code: "FORBIDDEN",
        message: `not your backtest: ${foreign.join(", ")}`,
      });
    const fresh = [...new Set(channels)].filter((c) => !client.channels.has(c));
    if (client.channels.size + fresh.length > this.maxChannels)
      return this.control(client, {
        op: "error",
        code: "VALIDATION",
        message: `at most ${this.maxChannels} channels per socket (${client.channels.size} held); unsubscribe first`,
      });
    for (const channel of fresh) {
      client.channels.add(channel);
      if (!PRIVATE.has(channel)) this.channelOf(channel).members.add(client);
    }
    // Replay runs synchronously right after registering, so no live event can slip in between.
    const replay =
      resumeFrom && resumeFrom.stream === state.stream.id
        ? state.stream.since(resumeFrom.seq, new Set(fresh.filter((c) => PRIVATE.has(c))))
        : null;
    // A replay and its closing `subscribed` are bounded by the ring, so they are exempt from the
    // hard bound (a big replay must not cut itself off before the client can save its cursor);
    // the next live event checks it again, and a send Bun drops still closes the socket.
    for (const entry of replay ?? []) {
      this.transmit(client, eventFrame(entry.channel, entry.seq, entry.json, entry.userSeq));
      if (!client.open) return;
    }
    // The rest get a snapshot numbered with the channel's last `seq` now; the events after it wait in
    // `joining` until the snapshot is sent, so the client sees base, base+1... with no gap and no repeat.
    const joins = (replay ? fresh.filter((c) => !PRIVATE.has(c)) : fresh).map((channel) => {
      const base = PRIVATE.has(channel) ? state.stream.headOf(channel) : this.channelOf(channel).seq;
      const queue: string[] = [];
      client.joining.set(channel, queue);
      return { channel, base, queue };
    });
    await this.snapshots(client, joins);
    if (!client.open) return;
    const done: WsServerMessage = { op: "subscribed", channels, resumed: replay !== null, userSeq: state.stream.head };
    this.transmit(client, JSON.stringify(done));
  }

  private async snapshots(client: Client, joins: Array<{ channel: string; base: number; queue: string[] }>) {
    if (joins.length === 0) return;
    const channels = joins.map((j) => j.channel);
    const all = await readSnapshots(this.rpc, this.logger, channels, client.state?.accounts ?? undefined);
    joins.forEach(({ channel, base, queue }, i) => {
      // Unsubscribed meanwhile (and maybe subscribed again: that request has a queue of its own).
      if (!client.open || client.joining.get(channel) !== queue) return;
      const progress = client.user && this.backtestOf(client.user.username, channel);
      for (const data of progress ? [progress] : (all[i] ?? [])) {
        if (this.overHardBound(client)) return;
        this.transmit(client, eventFrame(channel, base, JSON.stringify(data), undefined, true));
        if (!client.open) return;
      }
      for (const frame of queue) {
        if (this.overHardBound(client)) return;
        this.transmit(client, frame);
        if (!client.open) return;
      }
      // Past its snapshot, a public channel's next event goes to this socket live (publishPublic).
      this.stopJoining(client, channel);
    });
  }

  /**
   * Ticks and candles: numbered on their channel and serialised once, then the same frame is
   * sent to each socket at once, in this call: a tick's fan-out is on the wire before the next
   * task of the loop turn runs (Bun's server.publish would hold it until the turn ends, behind
   * whatever else the turn does, the next tick's order path included). A socket above the soft
   * bound gets the latest frame per key instead, when it drains.
   */
  private publishPublic(channel: string, key: string, data: unknown) {
    const state = this.publicChannels.get(channel);
    if (!state) return;
    state.seq += 1;
    const frame = eventFrame(channel, state.seq, JSON.stringify(data));
    const behind: Client[] = [];
    for (const client of state.members) {
      const queue = client.joining.get(channel);
      if (queue) {
        this.queue(client, queue, frame);
        continue;
      }
      if (!client.backedUp) {
        if (client.socket.getBufferedAmount() <= this.softBound) {
          this.transmit(client, frame);
          continue;
        }
        client.backedUp = true;
      }
      if (this.overHardBound(client)) continue;
      // Re-inserted, so the held frames stay in `seq` order.
      client.pending.delete(key);
      client.pending.set(key, { channel, frame });
      behind.push(client);
    }
    // After the fan-out: a socket that drains now takes live frames from the next event, not this one.
    for (const client of behind) this.flush(client);
  }

  /** Numbered into every entitled user's stream (connected or not), then sent to their subscribed sockets. */
  private publishPrivate(
    channel: string,
    data: unknown,
    account: string | null,
    /** What one user may see of `data`, when that differs per user. */
    viewFor?: (accounts: string[] | null) => unknown,
  ) {
    let json: string | undefined;
    for (const state of this.users.values()) {
      if (account !== null && state.accounts !== null && !state.accounts.includes(account)) continue;
      let userJson: string;
      if (viewFor) userJson = JSON.stringify(viewFor(state.accounts));
      else {
        json ??= JSON.stringify(data);
        userJson = json;
      }
      const entry = state.stream.append(channel, userJson);
      let frame: string | undefined;
      for (const client of state.clients) {
        if (!client.channels.has(channel)) continue;
        frame ??= eventFrame(channel, entry.seq, userJson, entry.userSeq);
        const queue = client.joining.get(channel);
        if (queue) this.queue(client, queue, frame);
        else if (!this.overHardBound(client)) this.transmit(client, frame);
      }
    }
  }

  /** A live frame for a channel still sending its snapshot; past the hard bound the socket is closed. */
  private queue(client: Client, queue: string[], frame: string) {
    client.joiningBytes += frame.length;
    if (client.joiningBytes + client.socket.getBufferedAmount() > this.hardBound) {
      this.logger.warn("disconnecting a slow consumer", { user: client.user?.username, joining: client.joiningBytes });
      client.socket.close(1013, "slow consumer");
      this.close(client.socket);
      return;
    }
    queue.push(frame);
  }

  private stopJoining(client: Client, channel: string) {
    const queue = client.joining.get(channel);
    if (!queue) return;
    client.joining.delete(channel);
    for (const frame of queue) client.joiningBytes -= frame.length;
  }

  private channelOf(channel: string): PublicChannel {
    let state = this.publicChannels.get(channel);
    if (!state) {
      state = { seq: 0, members: new Set() };
      this.publicChannels.set(channel, state);
    }
    return state;
  }

  /** Forgets a channel nobody holds; its numbering starts again, behind a fresh snapshot. */
  private leave(client: Client, channel: string) {
    const state = this.publicChannels.get(channel);
    if (state?.members.delete(client) && state.members.size === 0) this.publicChannels.delete(channel);
  }

  /** Sends what conflation held, oldest first, while there is room; once all is out, the socket takes live frames again. */
  private flush(client: Client) {
    for (const [key, held] of client.pending) {
      if (client.socket.getBufferedAmount() > this.softBound) return;
      client.pending.delete(key);
      this.transmit(client, held.frame);
      if (!client.open) return;
    }
    if (!client.backedUp || client.socket.getBufferedAmount() > this.softBound) return;
    client.backedUp = false;
  }

  private control(client: Client, message: WsServerMessage) {
    if (client.open && !this.overHardBound(client)) this.transmit(client, JSON.stringify(message));
  }

  private transmit(client: Client, frame: string) {
    // 0 = Bun dropped it (past its backpressureLimit): the client would see a hole, so it must resume instead.
    if (client.socket.send(frame) !== 0) return;
    this.logger.warn("ws send dropped; disconnecting", { user: client.user?.username });
    client.socket.close(1013, "slow consumer");
    this.close(client.socket);
  }

  private overHardBound(client: Client): boolean {
    const buffered = client.socket.getBufferedAmount();
    if (buffered <= this.hardBound) return false;
    this.logger.warn("disconnecting a slow consumer", { user: client.user?.username, buffered });
    client.socket.close(1013, "slow consumer");
    this.close(client.socket);
    return true;
  }

  /** Says why (when the socket can take it) and closes with 4401. */
  private refuse(client: Client, reason: string) {
    if (!client.open) return;
    if (client.socket.getBufferedAmount() <= this.hardBound)
      client.socket.send(
        JSON.stringify({ op: "error", code: "UNAUTHORIZED", message: reason } satisfies WsServerMessage),
      );
    client.socket.close(4401, reason);
    this.close(client.socket);
  }

  private armExpiry(client: Client) {
    if (client.expiryTimer) clearTimeout(client.expiryTimer);
    client.expiryTimer = null;
    const user = client.user;
    if (!user) return;
    const ms = user.exp * 1000 - this.now();
    if (ms <= 0) return this.refuse(client, "token expired");
    // setTimeout overflows past 2^31-1 ms (about 24.8 days); re-arm then instead of firing at once.
    const clamped = ms > MAX_TIMER_MS;
    client.expiryTimer = setTimeout(
      () => (clamped ? this.armExpiry(client) : this.refuse(client, "token expired")),
      Math.min(ms, MAX_TIMER_MS),
    );
  }

  private stateOf(username: string): UserState {
    let state = this.users.get(username);
    if (!state) {
      const stream = new UserStream({
        maxEvents: this.options.replayEvents ?? 5000,
        maxAgeMs: this.replayWindowMs,
        now: this.now,
      });
      state = { username, stream, accounts: null, user: null, clients: new Set(), retireTimer: null };
      this.users.set(username, state);
    }
    if (state.retireTimer) clearTimeout(state.retireTimer);
    state.retireTimer = null;
    return state;
  }

  private retire(state: UserState) {
    if (state.retireTimer) clearTimeout(state.retireTimer);
    state.retireTimer = setTimeout(() => {
      if (state.clients.size === 0 && this.users.get(state.username) === state) this.users.delete(state.username);
    }, this.replayWindowMs);
    state.retireTimer.unref?.();
  }

  private backtestOf(username: string, channel: string): BacktestProgress | null {
    if (!channel.startsWith(BACKTEST_CHANNEL)) return null;
    return this.options.backtestOf?.(username, channel.slice(BACKTEST_CHANNEL.length)) ?? null;
  }

  private get replayWindowMs(): number {
    return this.options.replayWindowMs ?? 10 * 60_000;
  }
}
