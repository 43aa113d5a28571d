import { join } from "node:path";
import jwt from "jsonwebtoken";
import { decode, merge, summarize } from "../lib/hist.ts";
import { outPath, ROOT_DIR } from "../lib/paths.ts";
import { Child, cpuSeconds, schedStat } from "../lib/proc.ts";
import { type Context, fmt, type Outcome, readProfile, type Scenario } from "../lib/scenario.ts";
import { median } from "../lib/stats.ts";
import { BENCH_JWT_SECRET, login, NODE, profiledPlatformServer, startPlatformServer } from "./gateway.ts";

interface ClientReport {
  clients: number;
  subscribed: number;
  dropped: number;
  errors: number;
  gaps: number;
  open: number;
  receivedMin: number;
  receivedMax: number;
  receivedTotal: number;
  latencyHist: string;
}

interface RunResult {
  published: number;
  clients: number;
  subscribed: number;
  dropped: number;
  gaps: number;
  missing: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** The server process's CPU (user + system) per published tick while measuring: latency's cause, and less noisy on a shared machine. */
  cpuMsPerTick: number;
  /** The server's main thread, per published tick: runnable but waiting for a CPU (ms). Near 0 on an idle machine. */
  waitMsPerTick: number;
  hist: string;
}

const CHANNEL = "ticker:BTC-KRW";

/** One measured run against one server: clients in two processes, warm-up ticks, then measured ticks. */
async function runOnce(
  ctx: Context,
  server: Child,
  wsUrl: string,
  token: string,
  sizes: { clients: number; rate: number; seconds: number; warmup: number },
  label: string,
): Promise<RunResult> {
  const perProcess = [Math.ceil(sizes.clients / 2), Math.floor(sizes.clients / 2)];
  const clients = perProcess.map(
    (count, i) =>
      new Child(
        `ws-clients-${label}-${i}`,
        [
          "bun",
          join(ROOT_DIR, "bench/src/clients/ws-clients.ts"),
          `--url=${wsUrl}`,
          `--count=${count}`,
          `--channel=${CHANNEL}`,
        ],
        { env: { BENCH_TOKEN: token } },
      ),
  );
  try {
    const ready = await Promise.all(clients.map((c) => c.next("ready", 120_000)));
    const subscribedBefore = ready.reduce((n, r) => n + Number(r.subscribed), 0);
    if (subscribedBefore < sizes.clients)
      ctx.log(`warning: only ${subscribedBefore} of ${sizes.clients} clients subscribed on ${label}`);
    server.send(`ticks ${sizes.rate} ${sizes.warmup} BTC-KRW w`);
    await server.next("done", (sizes.warmup + 60) * 1000);
    for (const c of clients) c.send("measure m");
    await Bun.sleep(100);
    const cpuBefore = await cpuSeconds(server.pid);
    const schedBefore = await schedStat(server.pid);
    server.send(`ticks ${sizes.rate} ${sizes.seconds} BTC-KRW m`);
    const done = await server.next("done", (sizes.seconds + 60) * 1000);
    const published = Number(done.published);
    const cpuMsPerTick = (((await cpuSeconds(server.pid)) - cpuBefore) * 1000) / Math.max(1, published);
    const waitMsPerTick = ((await schedStat(server.pid)).waitNs - schedBefore.waitNs) / 1e6 / Math.max(1, published);
    // Late messages still count as delivered (their latency says how late): wait until all arrived or none moves.
    let reports: ClientReport[] = [];
    let previous = -1;
    const deadline = Date.now() + 30_000;
    for (;;) {
      await Bun.sleep(1000);
      for (const c of clients) c.send("report");
      reports = (await Promise.all(clients.map((c) => c.next("result", 60_000)))) as unknown as ClientReport[];
      const received = reports.reduce((n, r) => n + r.receivedTotal, 0);
      if (received >= published * sizes.clients || received === previous || Date.now() > deadline) break;
      previous = received;
    }
    const latency = summarize(merge(reports.map((r) => decode(r.latencyHist))));
    const received = reports.reduce((n, r) => n + r.receivedTotal, 0);
    return {
      published,
      clients: reports.reduce((n, r) => n + r.clients, 0),
      subscribed: reports.reduce((n, r) => n + r.subscribed, 0),
      dropped: reports.reduce((n, r) => n + Math.max(r.dropped, r.clients - r.open), 0),
      gaps: reports.reduce((n, r) => n + r.gaps, 0),
      missing: published * sizes.clients - received,
      p50Ms: latency.p50Us / 1000,
      p99Ms: latency.p99Us / 1000,
      p999Ms: latency.p999Us / 1000,
      maxMs: latency.maxUs / 1000,
      cpuMsPerTick,
      waitMsPerTick,
      hist: reports.map((r) => r.latencyHist).join(","),
    };
  } finally {
    for (const c of clients) c.send("stop");
    await Promise.all(clients.map((c) => c.finish(10_000)));
  }
}

export function wsFanoutScenario(): Scenario {
  const sizesFor = (ctx: Context) =>
    ctx.smoke
      ? { clients: 20, rate: 100, seconds: 2, warmup: 1 }
      : { clients: 1000, rate: 100, seconds: 20, warmup: 3 };
  return {
    id: "ws-fanout",
    title: "4. WebSocket fan-out: 1000 authenticated clients, 100 ticks/s",
    async run(ctx): Promise<Outcome> {
      const sizes = sizesFor(ctx);
      const results: Record<"jts" | "node", RunResult[]> = { jts: [], node: [] };
      for (let rep = 1; rep <= ctx.reps; rep++) {
        ctx.log(`ws-fanout rep ${rep}/${ctx.reps}: JTS gateway hub`);
        // One user holds every socket here, all from one address: raise the per-user and pre-auth caps
        // (10 and 20 by default) to the run's size, or the hub refuses all but the first few.
        const jts = await startPlatformServer("ws-jts", {
          STRATEGIES: "off",
          WS_MAX_SOCKETS_PER_USER: String(sizes.clients),
          WS_MAX_UNAUTHENTICATED_PER_ADDRESS: String(sizes.clients),
        });
        try {
          const token = await login(jts.gateway);
          results.jts.push(
            await runOnce(ctx, jts.child, `${jts.gateway.replace("http", "ws")}/ws`, token, sizes, "jts"),
          );
        } finally {
          jts.child.send("stop");
          await jts.child.finish(20_000);
        }
        ctx.log(`ws-fanout rep ${rep}/${ctx.reps}: Node ws baseline`);
        const node = new Child("ws-node", [NODE, join(ROOT_DIR, "bench/baselines/ws-server.mjs")], {
          env: { PORT: "0", JWT_SECRET: BENCH_JWT_SECRET },
        });
        try {
          const url = ((await node.next("ready", 60_000)) as { url: string }).url;
          const token = jwt.sign({ sub: "admin", role: "admin", jti: crypto.randomUUID() }, BENCH_JWT_SECRET, {
            algorithm: "HS256",
            expiresIn: 7200,
          });
          results.node.push(await runOnce(ctx, node, `${url.replace("http", "ws")}/ws`, token, sizes, "node"));
        } finally {
          node.send("stop");
          await node.finish(10_000);
        }
      }
      const pooled = (k: "jts" | "node") => summarize(merge(results[k].flatMap((r) => r.hist.split(",").map(decode))));
      const row = (k: "jts" | "node", label: string) => {
        const p = pooled(k);
        return [
          label,
          fmt(median(results[k].map((r) => r.p50Ms)), 2),
          fmt(median(results[k].map((r) => r.p99Ms)), 2),
          fmt(p.p999Us / 1000, 2),
          fmt(p.maxUs / 1000, 1),
          String(results[k].reduce((n, r) => n + r.dropped, 0)),
          String(results[k].reduce((n, r) => n + r.missing, 0)),
          String(results[k].reduce((n, r) => n + r.gaps, 0)),
          String(results[k].reduce((n, r) => n + r.published * r.clients, 0)),
          fmt(median(results[k].map((r) => r.cpuMsPerTick)), 2),
          fmt(median(results[k].map((r) => r.waitMsPerTick)), 2),
        ];
      };
      return {
        metrics: {
          jtsP99Ms: results.jts.map((r) => r.p99Ms),
          nodeP99Ms: results.node.map((r) => r.p99Ms),
          ratioP99: results.jts.map((r, i) => r.p99Ms / (results.node[i]?.p99Ms ?? Number.NaN)),
          jtsCpuMsPerTick: results.jts.map((r) => r.cpuMsPerTick),
          nodeCpuMsPerTick: results.node.map((r) => r.cpuMsPerTick),
          jtsWaitMsPerTick: results.jts.map((r) => r.waitMsPerTick),
          nodeWaitMsPerTick: results.node.map((r) => r.waitMsPerTick),
          jtsDropped: results.jts.map((r) => r.dropped),
          jtsMissing: results.jts.map((r) => r.missing + r.gaps),
          jtsSubscribed: results.jts.map((r) => r.subscribed),
          nodeDropped: results.node.map((r) => r.dropped),
          nodeMissing: results.node.map((r) => r.missing + r.gaps),
        },
        tables: [
          {
            title: `Delivery latency tick publish -> client (median of ${ctx.reps} repetitions; p99.9 and max pooled), ${sizes.clients} clients, ${sizes.rate} ticks/s for ${sizes.seconds} s`,
            headers: [
              "server",
              "p50 ms",
              "p99 ms",
              "p99.9 ms",
              "max ms",
              "dropped",
              "missing",
              "seq gaps",
              "messages expected",
              "server CPU ms per tick",
              "server main thread waiting for a CPU, ms per tick",
            ],
            rows: [row("jts", "JTS gateway /ws hub (Bun)"), row("node", "Node 20 + ws 8")],
          },
        ],
        notes: [
          `JTS: the \`just dev\` composition (bootPlatform, in-memory ports) with the sim feed stopped; the bench publishes ${sizes.rate} BTC-KRW ticks/s on its bus (tsEvent = tsInit) and the gateway's WsHub fans them out. Clients log in with a JWT from POST /api/auth/login, authenticate in their first message, subscribe to ${CHANNEL} (and get the snapshot first).`,
          "Node: bench/baselines/ws-server.mjs, the same protocol on `ws` with jsonwebtoken, ticks generated in the server process. Both number events per channel (`seq`), so both serialise each tick once and send that frame to each client in one loop (the hub with Bun's ws.send, Node with ws's send).",
          "The per-user and pre-auth socket caps are raised to the client count for the JTS run (one user, one address); every other cap stays. Server CPU = the server process's user + system time while measuring / ticks published (the JTS process hosts the whole platform, idle but for the ticks).",
          "Waiting for a CPU: the server's main thread runnable but not running (/proc schedstat) per published tick. When it is several ms (the bench's own 1000 clients and server need over one of the 2 cores, others' load comes on top), the latencies measure the machine's run queue more than either server; the tick publishers then also differ: Node's catches up on missed ticks in bursts (each stamped when sent), the platform's sends one per event-loop turn and publishes fewer (messages expected).",
          "Clients: two Bun processes with half the clients each; per message they scan the string for seq, tradeId and tsEvent (no JSON.parse). Missing = messages published while measuring x clients - messages received; dropped = sockets closed by the server or not open at the end.",
        ],
        details: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.map(({ hist: _, ...r }) => r)])),
      };
    },
    async profile(ctx) {
      const sizes = sizesFor(ctx);
      const dir = outPath("profiles", `ws-fanout-${Date.now()}`, "x").replace(/\/x$/, "");
      const server = new Child("profile-ws-jts", profiledPlatformServer(dir));
      const ready = (await server.next("ready", 120_000)) as { urls: Record<string, string> };
      const gateway = ready.urls["api-gateway"] as string;
      await runOnce(ctx, server, `${gateway.replace("http", "ws")}/ws`, await login(gateway), sizes, "profile");
      server.send("stop");
      await server.exited;
      return readProfile(dir);
    },
  };
}
