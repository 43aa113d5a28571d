/**
 * A constant-rate HTTP/1.1 load client without coordinated omission:
 *   bun bench/src/clients/http-rate.ts --url=http://127.0.0.1:P/path --rate=5000 --seconds=15 --warmup=3
 *     [--header="Authorization: Bearer ..." or env BENCH_HEADER] [--connections=64]
 * Request i is due at start + i/rate. Every timer turn sends all requests that
 * are due on idle keep-alive connections (raw TCP, one request in flight per
 * connection); a due request with no idle connection waits in a queue. The
 * latency of a request runs from its intended send time to its last response
 * byte, so a stalled server is charged for every request it delayed. How late
 * the client itself sent (timer granularity, its own load) is reported too,
 * and the latency from the actual send, which leaves that lag out. A
 * connection the server closes is opened again; its request counts as an error.
 */
import type { Socket } from "bun";
import { emit, flags, num, runChild } from "../lib/child.ts";
import { encode, newHistogram, record, summarize } from "../lib/hist.ts";

interface Connection {
  socket: Socket<Connection> | null;
  buffer: Buffer;
  intended: number;
  sentAt: number;
  busy: boolean;
  measured: boolean;
}

const HEADER_END = Buffer.from("\r\n\r\n");

runChild(async () => {
  const args = flags();
  const url = new URL(args.url ?? "http://127.0.0.1:3000/health");
  const rate = num(args, "rate", 1000);
  const seconds = num(args, "seconds", 10);
  const warmup = num(args, "warmup", 2);
  const connectionCount = num(args, "connections", 64);
  // The header (a bearer token) may come from the environment, so it stays out of process listings and logs.
  const header = args.header ?? process.env.BENCH_HEADER;
  const extraHeaders = header ? `${header}\r\n` : "";
  const request = Buffer.from(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${extraHeaders}Connection: keep-alive\r\n\r\n`,
  );

  const latency = newHistogram();
  const fromSend = newHistogram();
  const sendLag = newHistogram();
  const statuses = new Map<number, number>();
  let errors = 0;
  let completed = 0;
  const queue: number[] = [];
  const idle: Connection[] = [];

  const dispatch = (conn: Connection, intended: number, now: number) => {
    conn.busy = true;
    conn.intended = intended;
    conn.sentAt = now;
    conn.measured = intended >= measureFrom;
    if (conn.measured) record(sendLag, (now - intended) * 1e6);
    conn.socket?.write(request);
  };

  const finish = (conn: Connection, status: number) => {
    const done = performance.now();
    if (conn.measured) {
      record(latency, (done - conn.intended) * 1e6);
      record(fromSend, (done - conn.sentAt) * 1e6);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      completed++;
    }
    conn.busy = false;
    release(conn);
  };

  const parse = (conn: Connection) => {
    for (;;) {
      const end = conn.buffer.indexOf(HEADER_END);
      if (end < 0) return;
      const head = conn.buffer.subarray(0, end).toString("latin1");
      const status = Number(head.slice(9, 12));
      const length = Number(head.match(/\r\ncontent-length:\s*(\d+)/i)?.[1] ?? -1);
      if (length < 0) {
        // Chunked: wait for the terminating chunk.
        const last = conn.buffer.indexOf("\r\n0\r\n\r\n", end);
        if (last < 0) return;
        conn.buffer = conn.buffer.subarray(last + 7);
      } else {
        if (conn.buffer.length < end + 4 + length) return;
        conn.buffer = conn.buffer.subarray(end + 4 + length);
      }
      finish(conn, status);
    }
  };

  let ending = false;
  const release = (conn: Connection) => {
    const next = queue.shift();
    if (next !== undefined) dispatch(conn, next, performance.now());
    else idle.push(conn);
  };
  const connect = async (conn: Connection): Promise<void> => {
    conn.buffer = Buffer.alloc(0);
    conn.socket = await Bun.connect<Connection>({
      hostname: url.hostname,
      port: Number(url.port),
      data: conn,
      socket: {
        data(socket, chunk) {
          const c = socket.data;
          c.buffer = c.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([c.buffer, chunk]);
          parse(c);
        },
        close(socket) {
          const c = socket.data;
          c.socket = null;
          if (ending) return;
          if (c.busy) errors++;
          c.busy = false;
          // The server closed it (timeout, overload): open it again and carry on.
          const index = idle.indexOf(c);
          if (index >= 0) idle.splice(index, 1);
          connect(c).then(
            () => release(c),
            () => {
              errors++;
            },
          );
        },
        error() {
          errors++;
        },
      },
    });
  };
  const connections: Connection[] = [];
  for (let i = 0; i < connectionCount; i++) {
    const conn: Connection = {
      socket: null,
      buffer: Buffer.alloc(0),
      intended: 0,
      sentAt: 0,
      busy: false,
      measured: false,
    };
    await connect(conn);
    connections.push(conn);
    idle.push(conn);
  }

  const start = performance.now() + 50;
  const measureFrom = start + warmup * 1000;
  const end = measureFrom + seconds * 1000;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const turn = () => {
      const now = performance.now();
      const due = Math.min(
        Math.floor(((Math.min(now, end) - start) / 1000) * rate),
        Math.floor(((end - start) / 1000) * rate),
      );
      while (sent < due) {
        const intended = start + (sent / rate) * 1000;
        sent++;
        const conn = idle.pop();
        if (conn?.socket) dispatch(conn, intended, now);
        else queue.push(intended);
      }
      if (now >= end) resolve();
      else setTimeout(turn, 1);
    };
    setTimeout(turn, Math.max(0, start - performance.now()));
  });
  // Wait (bounded) for the answers still in flight.
  const drainUntil = performance.now() + 10_000;
  while ((queue.length > 0 || connections.some((c) => c.busy && c.socket)) && performance.now() < drainUntil)
    await Bun.sleep(5);
  const unanswered = queue.length + connections.filter((c) => c.busy).length;
  ending = true;
  for (const c of connections) c.socket?.end();
  const ok = statuses.get(200) ?? 0;
  emit("result", {
    rate,
    seconds,
    completed,
    achievedPerSec: Math.round(completed / seconds),
    ok,
    non200: completed - ok,
    statuses: Object.fromEntries(statuses),
    errors,
    unanswered,
    latency: summarize(latency),
    latencyHist: encode(latency),
    fromSend: summarize(fromSend),
    sendLag: summarize(sendLag),
  });
});
