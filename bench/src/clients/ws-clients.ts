/**
 * WebSocket fan-out clients for scenario 4 (one process holds a share of them):
 *   BENCH_TOKEN=JWT bun bench/src/clients/ws-clients.ts --url=ws://127.0.0.1:P/ws --count=500 --channel=ticker:BTC-KRW
 * Each client authenticates (token in the first message), subscribes, then for
 * every event checks its seq, the channel's number: a snapshot (or the first
 * event) sets it, each live event must be the next (gaps = lost, repeated or
 * reordered messages) and, for ticks
 * whose tradeId starts with the measured tag, the delivery latency from the
 * tick's tsEvent (stamped at publish) to arrival. Per-message work is a few
 * string scans, no JSON.parse, so the clients do not measure themselves.
 * Prints `@@ready` once all are subscribed; stdin: `measure <tag>`, `report`, `stop`.
 */
import { commands, emit, flags, num, runChild } from "../lib/child.ts";
import { relNs, stampToRel } from "../lib/clock.ts";
import { encode, newHistogram, record } from "../lib/hist.ts";

interface Client {
  ws: WebSocket;
  lastSeq: number;
  measured: number;
  subscribed: boolean;
  closing: boolean;
}

const EVENT = '{"op":"event"';
const SNAPSHOT = '"snapshot":true';

runChild(async () => {
  const args = flags();
  const url = args.url as string;
  const count = num(args, "count", 500);
  const token = (args.token ?? process.env.BENCH_TOKEN) as string;
  const channel = args.channel ?? "ticker:BTC-KRW";
  const latency = newHistogram();
  let tag = "\u0000";
  let gaps = 0;
  let dropped = 0;
  let errors = 0;
  let subscribed = 0;
  const clients: Client[] = [];

  const onMessage = (client: Client, data: string) => {
    if (!data.startsWith(EVENT)) {
      if (data.includes('"op":"authed"')) client.ws.send(JSON.stringify({ op: "subscribe", channels: [channel] }));
      else if (data.includes('"op":"subscribed"')) {
        client.subscribed = true;
        subscribed++;
      } else if (data.includes('"op":"error"')) errors++;
      return;
    }
    const s = data.indexOf('"seq":') + 6;
    const end = data.indexOf(",", s);
    const seq = Number(data.slice(s, end));
    if (client.lastSeq >= 0 && !data.startsWith(SNAPSHOT, end + 1) && seq !== client.lastSeq + 1) gaps++;
    client.lastSeq = seq;
    const id = data.indexOf('"tradeId":"') + 11;
    if (data.startsWith(tag, id)) {
      const arrived = relNs();
      client.measured++;
      const t = data.indexOf('"tsEvent":"') + 11;
      record(latency, arrived - stampToRel(data.slice(t, data.indexOf('"', t))));
    }
  };

  const open = (): Promise<void> =>
    new Promise((resolve) => {
      const ws = new WebSocket(url);
      const client: Client = { ws, lastSeq: -1, measured: 0, subscribed: false, closing: false };
      clients.push(client);
      ws.onopen = () => {
        ws.send(JSON.stringify({ op: "auth", token }));
        resolve();
      };
      ws.onmessage = (event) => onMessage(client, event.data as string);
      ws.onclose = () => {
        if (!client.closing) dropped++;
        resolve();
      };
      ws.onerror = () => {
        errors++;
      };
    });

  // Connect in waves, as many users arriving, not a SYN flood.
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, open));
  }
  const deadline = Date.now() + 60_000;
  while (subscribed < count && Date.now() < deadline && dropped === 0) await Bun.sleep(20);
  emit("ready", { connected: clients.length - dropped, subscribed, dropped, errors });

  for await (const line of commands()) {
    const [command, arg] = line.split(/\s+/);
    if (command === "measure") {
      tag = arg ?? "m";
      latency.reset();
      for (const c of clients) c.measured = 0;
    } else if (command === "report") {
      const perClient = clients.map((c) => c.measured);
      emit("result", {
        clients: clients.length,
        subscribed,
        dropped,
        errors,
        gaps,
        open: clients.filter((c) => c.ws.readyState === WebSocket.OPEN).length,
        receivedMin: Math.min(...perClient),
        receivedMax: Math.max(...perClient),
        receivedTotal: perClient.reduce((a, b) => a + b, 0),
        latencyHist: encode(latency),
      });
    } else if (command === "stop") break;
  }
  for (const c of clients) {
    c.closing = true;
    c.ws.close();
  }
});
