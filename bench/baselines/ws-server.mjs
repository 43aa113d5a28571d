/**
 * Baseline for scenario 4: the gateway's /ws fan-out on Node with the `ws`
 * package, speaking the same protocol (token in the first message, then
 * subscribe; every event carries its channel's seq, so one frame serves every
 * client, as the gateway's topic publish does), so the same clients measure both:
 *   node bench/baselines/ws-server.mjs   (env: PORT, JWT_SECRET)
 * Prints `@@ready {"url":...}`, then reads stdin commands:
 *   ticks <perSecond> <seconds> <symbol> <tag>  broadcast ticks (tsEvent = now in ns), then `@@done`
 *   stop
 */
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import jwt from "jsonwebtoken";
import { WebSocketServer } from "ws";

const secret = process.env.JWT_SECRET;
const originNs = BigInt(Math.round(performance.timeOrigin * 1e6));
const nowNs = () => originNs + BigInt(Math.round(performance.now() * 1e6));
const CHANNEL = /^(ticker:[A-Z0-9-]{2,20}|candles:[A-Z0-9-]{2,20}:1m|orders|fills|positions|risk|alerts)$/;
const emit = (kind, value) => process.stdout.write(`@@${kind} ${JSON.stringify(value)}\n`);

const server = createServer((_req, res) => {
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, path: "/ws" });
/** channel -> Set of clients */
const byChannel = new Map();

wss.on("connection", (socket) => {
  const client = { socket, user: null, channels: new Set() };
  const send = (message) => socket.send(JSON.stringify(message));
  const authTimer = setTimeout(() => {
    if (!client.user) socket.close(4401, "authenticate first");
  }, 5000);
  socket.on("message", (raw) => {
    let msg;
    try {
      msg = JSON.parse(raw.toString());
    } catch {
      return send({ op: "error", code: "BAD_REQUEST", message: "message is not JSON" });
    }
    if (msg?.op === "auth" && typeof msg.token === "string") {
      try {
        const claims = jwt.verify(msg.token, secret, { algorithms: ["HS256"] });
        client.user = claims.sub;
        clearTimeout(authTimer);
        return send({ op: "authed", user: claims.sub });
      } catch {
        send({ op: "error", code: "UNAUTHORIZED", message: "invalid or expired token" });
        return socket.close(4401, "invalid token");
      }
    }
    if (!client.user) return socket.close(4401, "authenticate first");
    if (msg?.op === "subscribe" && Array.isArray(msg.channels)) {
      const bad = msg.channels.filter((c) => typeof c !== "string" || !CHANNEL.test(c));
      if (bad.length > 0) return send({ op: "error", code: "VALIDATION", message: "unknown channels" });
      for (const channel of msg.channels) {
        client.channels.add(channel);
        if (!byChannel.has(channel)) byChannel.set(channel, new Set());
        byChannel.get(channel).add(client);
      }
      return send({ op: "subscribed", channels: msg.channels });
    }
    if (msg?.op === "ping") return send({ op: "pong" });
  });
  socket.on("close", () => {
    clearTimeout(authTimer);
    for (const channel of client.channels) byChannel.get(channel)?.delete(client);
  });
});

/** channel -> the seq of its last event */
const channelSeq = new Map();

function broadcast(channel, data) {
  const set = byChannel.get(channel);
  if (!set) return;
  const seq = (channelSeq.get(channel) ?? 0) + 1;
  channelSeq.set(channel, seq);
  // One serialisation per event, sent to each client (the `ws` README's broadcast).
  const frame = JSON.stringify({ op: "event", channel, seq, data });
  for (const client of set) client.socket.send(frame);
}

let seq = 0;
function publishTicks(perSecond, seconds, symbol, tag) {
  return new Promise((resolve) => {
    const start = performance.now();
    const end = start + seconds * 1000;
    let sent = 0;
    const turn = () => {
      const now = performance.now();
      while (sent < Math.floor(((Math.min(now, end) - start) / 1000) * perSecond)) {
        seq++;
        sent++;
        broadcast(`ticker:${symbol}`, {
          symbol,
          venue: "sim",
          price: String(150_000_000 + (seq % 100) * 1000),
          quantity: "0.001",
          aggressor: seq % 2 ? "BUY" : "SELL",
          tradeId: `${tag}${seq}`,
          tsEvent: nowNs().toString(),
        });
      }
      if (now >= end) resolve({ published: sent, elapsedMs: now - start });
      else setTimeout(turn, 1);
    };
    turn();
  });
}

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  emit("ready", { url: `http://127.0.0.1:${server.address().port}`, pid: process.pid });
});

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const [command, ...rest] = line.trim().split(/\s+/);
  if (command === "stop") break;
  if (command === "ticks") {
    const [perSecond = "100", seconds = "10", symbol = "BTC-KRW", tag = "m"] = rest;
    emit("done", await publishTicks(Number(perSecond), Number(seconds), symbol, tag));
  }
}
for (const client of wss.clients) client.close(1001, "server shutting down");
server.close();
process.exit(0);
