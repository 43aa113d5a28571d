import type {
  PrivateWsChannel,
  WsChannel,
  WsChannelData,
  WsClientMessage,
  WsResumePoint,
  WsServerMessage,
} from "@jts/contracts";
import { type Accessor, createSignal } from "solid-js";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline";

export interface EventMeta {
  channel: string;
  seq: number;
  snapshot: boolean;
}

// A literal list, not the contracts' runtime export, so the PWA bundle does not pull in TypeBox;
// `satisfies` fails the build when the contracts add a private channel.
const PRIVATE_CHANNELS = {
  orders: true,
  fills: true,
  positions: true,
  risk: true,
  alerts: true,
} satisfies Record<PrivateWsChannel, true>;
const isPrivate = (channel: string) => Object.hasOwn(PRIVATE_CHANNELS, channel);

export type EventHandler = (data: unknown, meta: EventMeta) => void;

export interface LiveConnectionOptions {
  /** Read on every (re)connect, so a refreshed token is picked up. */
  getToken: () => string | null;
  /** Called when the server refuses the token; resolve true once a new one is stored. */
  onUnauthorized?: () => Promise<boolean>;
  url?: string;
  /** How often a connection is tried while the browser reports offline (default 5 s). */
  offlineProbeMs?: number;
}

export interface LiveConnection {
  state: Accessor<ConnectionState>;
  /**
   * Bumps when events may have been missed, so views refetch their REST
   * snapshot: the server could not resume a private channel (first connect,
   * gateway restart, ring too old), a private channel's `seq` skipped or
   * repeated a number, or a public one's went back (forward jumps there are
   * conflation, not loss). A resumed reconnect replays the missed events
   * instead and does not bump.
   */
  epoch: Accessor<number>;
  /** Returns the unsubscribe function. `data` is what the contracts say the channel carries (WsChannelData). */
  subscribe<C extends WsChannel>(channel: C, handler: (data: WsChannelData<C>, meta: EventMeta) => void): () => void;
  close(): void;
}

const MAX_CHANNELS_PER_MESSAGE = 100;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;
const PING_EVERY_MS = 25_000;
const AUTH_TIMEOUT_MS = 10_000;
/**
 * While the browser says offline, a connection is still tried this often: `navigator.onLine`
 * can be false for good while the gateway is reachable (a loopback-only network namespace,
 * some VPNs), and then the `online` event that would resume us never comes.
 */
const OFFLINE_PROBE_MS = 5_000;

export function defaultWsUrl(): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
}

/**
 * One WebSocket to the gateway: auth first, then subscribe; reconnects with
 * jittered exponential backoff and re-authenticates and re-subscribes each
 * time, resuming the private channels from the last `userSeq` it holds (see
 * contracts/src/ws.ts for the sequence rules). While the browser reports
 * offline it still probes every few seconds, and connects at once on `online`.
 */
export function createLiveConnection(options: LiveConnectionOptions): LiveConnection {
  const url = options.url ?? defaultWsUrl();
  const [state, setState] = createSignal<ConnectionState>("connecting");
  const [epoch, setEpoch] = createSignal(0);
  const handlers = new Map<string, Set<EventHandler>>();

  let socket: WebSocket | null = null;
  let authed = false;
  let closed = false;
  let attempt = 0;
  /** The last `seq` per channel (contracts/src/ws.ts: numbered per channel; a snapshot sets it). */
  const lastSeqs = new Map<string, number>();
  /** Where this client's private state stands in the user's stream on the gateway. */
  let cursor: WsResumePoint | null = null;
  /** Private channels the server confirmed on this connection: the ones a cursor is good for. */
  const confirmed = new Set<string>();
  /** Subscribe requests with private channels not yet answered: their snapshot may be half sent. */
  let unanswered = 0;
  /** Set by a private channel's seq gap: an event may be lost, so the cursor cannot be trusted. */
  let gapped = false;
  /** Private channels to resume from `cursor` after a reconnect (set when the socket drops). */
  let resumable = new Set<string>();
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let authTimer: ReturnType<typeof setTimeout> | undefined;

  const send = (message: WsClientMessage) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };

  const sendChannels = (op: "subscribe" | "unsubscribe", channels: string[], resumeFrom?: WsResumePoint) => {
    // Private and public channels go in separate messages: the gateway refuses a whole message
    // for one bad name, and a public channel's mistake must not cost the account streams.
    const privates = channels.filter(isPrivate);
    const publics = channels.filter((channel) => !isPrivate(channel));
    if (privates.length > 0 && publics.length > 0) {
      sendChannels(op, privates, resumeFrom);
      sendChannels(op, publics);
      return;
    }
    for (let i = 0; i < channels.length; i += MAX_CHANNELS_PER_MESSAGE) {
      const chunk = channels.slice(i, i + MAX_CHANNELS_PER_MESSAGE);
      // A resumed channel's replay goes on from the number it had; anything else starts again.
      if (!resumeFrom) for (const channel of chunk) lastSeqs.delete(channel);
      if (op === "unsubscribe") {
        for (const channel of chunk) confirmed.delete(channel);
        send({ op, channels: chunk });
        continue;
      }
      if (chunk.some(isPrivate)) unanswered += 1;
      send(resumeFrom ? { op, channels: chunk, resumeFrom } : { op, channels: chunk });
    }
  };

  /** After (re)authenticating: resume what can be resumed, subscribe the rest afresh. */
  const subscribeAll = (stream: string) => {
    const channels = [...handlers.keys()];
    const from = cursor?.stream === stream ? cursor : null;
    const resume = from ? channels.filter((c) => resumable.has(c)) : [];
    const rest = channels.filter((c) => !resume.includes(c));
    resumable = new Set();
    if (cursor?.stream !== stream) cursor = { stream, seq: 0 };
    if (from && resume.length > 0) sendChannels("subscribe", resume, { ...from });
    sendChannels("subscribe", rest);
  };

  const onSubscribed = (message: Extract<WsServerMessage, { op: "subscribed" }>) => {
    const privates = message.channels.filter(isPrivate);
    if (privates.length === 0) return;
    unanswered = Math.max(0, unanswered - 1);
    for (const channel of privates) if (handlers.has(channel)) confirmed.add(channel);
    if (cursor) cursor.seq = Math.max(cursor.seq, message.userSeq);
    if (!message.resumed) setEpoch((value) => value + 1);
  };

  // Subscribe/unsubscribe calls made in one tick go out as one message each; opposite calls cancel out.
  const changes = new Map<string, "subscribe" | "unsubscribe">();
  const flushChanges = () => {
    const subscribe: string[] = [];
    const unsubscribe: string[] = [];
    for (const [channel, op] of changes) (op === "subscribe" ? subscribe : unsubscribe).push(channel);
    changes.clear();
    if (!authed) return;
    sendChannels("unsubscribe", unsubscribe);
    sendChannels("subscribe", subscribe);
  };
  const queueChange = (channel: string, op: "subscribe" | "unsubscribe") => {
    if (!authed) return; // "authed" subscribes to everything in `handlers`.
    if (changes.size === 0) queueMicrotask(flushChanges);
    if (changes.has(channel) && changes.get(channel) !== op) changes.delete(channel);
    else changes.set(channel, op);
  };

  const clearTimers = () => {
    clearTimeout(retryTimer);
    clearInterval(pingTimer);
    clearTimeout(authTimer);
  };

  const scheduleReconnect = () => {
    if (closed) return;
    if (!navigator.onLine) {
      // Stay "offline" (the ticket refuses to send) but keep probing; a probe that authenticates goes live.
      setState("offline");
      const every = options.offlineProbeMs ?? OFFLINE_PROBE_MS;
      retryTimer = setTimeout(connect, every * (0.8 + Math.random() * 0.4));
      return;
    }
    setState("reconnecting");
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
    attempt += 1;
    retryTimer = setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  };

  const dispatch = (message: Extract<WsServerMessage, { op: "event" }>) => {
    const last = lastSeqs.get(message.channel);
    if (!message.snapshot && last !== undefined) {
      const privateChannel = isPrivate(message.channel);
      // Private channels are never conflated: only the next number will do. Public ones may jump ahead.
      if (privateChannel ? message.seq !== last + 1 : message.seq <= last) {
        if (privateChannel) gapped = true;
        setEpoch((value) => value + 1);
      }
    }
    lastSeqs.set(message.channel, message.seq);
    if (message.userSeq !== undefined && cursor) cursor.seq = Math.max(cursor.seq, message.userSeq);
    const meta: EventMeta = { channel: message.channel, seq: message.seq, snapshot: message.snapshot === true };
    for (const handler of handlers.get(message.channel) ?? []) handler(message.data, meta);
  };

  const onMessage = async (raw: string) => {
    let message: WsServerMessage;
    try {
      message = JSON.parse(raw) as WsServerMessage;
    } catch {
      return;
    }
    switch (message.op) {
      case "authed":
        authed = true;
        attempt = 0;
        clearTimeout(authTimer);
        changes.clear();
        subscribeAll(message.stream);
        setState("live");
        break;
      case "subscribed":
        onSubscribed(message);
        break;
      case "event":
        dispatch(message);
        break;
      case "error":
        if (!authed) {
          // The token was refused: try a refresh, then reconnect (or give up if there is no session).
          const refreshed = (await options.onUnauthorized?.()) ?? false;
          socket?.close(4001, "unauthorized");
          if (!refreshed && !options.getToken()) close();
        } else {
          console.warn(`ws error ${message.code}: ${message.message}`);
        }
        break;
      default:
        break;
    }
  };

  function connect() {
    if (closed) return;
    const token = options.getToken();
    if (!token) {
      setState("offline");
      return;
    }
    authed = false;
    gapped = false;
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      send({ op: "auth", token });
      authTimer = setTimeout(() => ws.close(4000, "auth timeout"), AUTH_TIMEOUT_MS);
      pingTimer = setInterval(() => send({ op: "ping" }), PING_EVERY_MS);
    };
    ws.onmessage = (event) => {
      if (typeof event.data === "string") void onMessage(event.data);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      // Resume only what was fully delivered on this connection; anything else is subscribed afresh.
      // A connection that never got past auth (say, an expired token) leaves the earlier plan alone.
      if (authed) resumable = unanswered === 0 && !gapped ? new Set(confirmed) : new Set();
      authed = false;
      confirmed.clear();
      unanswered = 0;
      clearTimers();
      scheduleReconnect();
    };
  }

  const reconnectNow = () => {
    if (closed || socket) return;
    clearTimeout(retryTimer);
    attempt = 0;
    connect();
  };
  // The browser knows before a dead TCP connection times out; closing lets onclose report "offline".
  const goOffline = () => socket?.close(4002, "browser offline");
  window.addEventListener("online", reconnectNow);
  window.addEventListener("offline", goOffline);

  function close() {
    closed = true;
    clearTimers();
    window.removeEventListener("online", reconnectNow);
    window.removeEventListener("offline", goOffline);
    const ws = socket;
    socket = null;
    ws?.close(1000, "bye");
    setState("offline");
  }

  connect();

  return {
    state,
    epoch,
    subscribe(channel, typed) {
      // The gateway sends each channel its contract's payload; handlers are kept by channel name, untyped.
      const handler = typed as EventHandler;
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        queueChange(channel, "subscribe");
      }
      set.add(handler);
      return () => {
        const current = handlers.get(channel);
        if (!current?.delete(handler) || current.size > 0) return;
        handlers.delete(channel);
        queueChange(channel, "unsubscribe");
      };
    },
    close,
  };
}
