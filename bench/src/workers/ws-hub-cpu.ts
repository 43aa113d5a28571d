/**
 * CPU the hub spends per tick fanned out to N real WebSocket clients (on a
 * shared machine CPU time says more than wall latency), and the delivery latency:
 *   bun bench/src/workers/ws-hub-cpu.ts [--clients=1000] [--ticks=1000] [--rate=100]
 * The hub runs on a bare Bun server as in bun-socket.test.ts; the clients are
 * bench/src/clients/ws-clients.ts in a child process.
 */
import { join } from "node:path";
// The gateway's own test fixture: the hub with in-memory bus and rpc, nothing else of the platform.
import { hubFixture, settle, tickOf } from "../../../services/api-gateway/src/ws/hub-fixture.ts";
import { nowNs } from "../lib/clock.ts";
import { decode, summarize } from "../lib/hist.ts";

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const clients = arg("clients", 1000);
const ticks = arg("ticks", 1000);
const rate = arg("rate", 100);

const fixture = await hubFixture(
  { alice: null },
  {
    maxSocketsPerUser: clients,
    maxUnauthenticatedPerAddress: clients,
  },
);
const { hub } = fixture;
const server = Bun.serve({
  port: 0,
  fetch: (request, srv) =>
    srv.upgrade(request, { data: undefined }) ? undefined : new Response("upgrade", { status: 426 }),
  websocket: {
    open: (ws) => hub.open(ws),
    message: (ws, message) => hub.message(ws, message),
    drain: (ws) => hub.drain(ws),
    close: (ws) => hub.close(ws),
  },
});

const child = Bun.spawn(
  [
    "bun",
    join(import.meta.dir, "../clients/ws-clients.ts"),
    `--url=ws://127.0.0.1:${server.port}/ws`,
    `--count=${clients}`,
  ],
  { env: { ...process.env, BENCH_TOKEN: "alice:t1" }, stdin: "pipe", stdout: "pipe", stderr: "inherit" },
);
const reader = child.stdout.getReader();
let text = "";
while (!text.includes("@@ready")) {
  const { value, done } = await reader.read();
  if (done) throw new Error("clients exited");
  text += new TextDecoder().decode(value);
}

const lines = (async function* () {
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    text += new TextDecoder().decode(value);
    let at = text.indexOf("\n");
    while (at >= 0) {
      yield text.slice(0, at);
      text = text.slice(at + 1);
      at = text.indexOf("\n");
    }
  }
})();
text = text.slice(text.indexOf("\n", text.indexOf("@@ready")) + 1);
child.stdin.write("measure m\n");
await Bun.sleep(100);
const cpu0 = process.cpuUsage();
const start = performance.now();
for (let i = 0; i < ticks; i++) {
  // Paced like the bench: tick i is due at start + i / rate.
  const due = start + (i * 1000) / rate;
  if (due > performance.now()) await Bun.sleep(due - performance.now());
  await fixture.publishTick({
    ...tickOf("BTC-KRW", String(100 + (i % 10))),
    tradeId: `m${i}`,
    tsEvent: nowNs().toString(),
  });
}
await settle();
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - start;
await Bun.sleep(2000);
child.stdin.write("report\n");
let report: { receivedTotal: number; gaps: number; latencyHist: string } | undefined;
for await (const line of lines) {
  if (line.startsWith("@@result ")) {
    report = JSON.parse(line.slice("@@result ".length));
    break;
  }
}
const latency = report ? summarize(decode(report.latencyHist)) : null;
console.log(
  JSON.stringify({
    clients,
    ticks,
    cpuUsPerTick: Math.round((cpu.user + cpu.system) / ticks),
    userUsPerTick: Math.round(cpu.user / ticks),
    systemUsPerTick: Math.round(cpu.system / ticks),
    wallMs: Math.round(wallMs),
    sockets: hub.size,
    missing: report ? ticks * clients - report.receivedTotal : null,
    gaps: report?.gaps,
    p50Ms: latency && latency.p50Us / 1000,
    p99Ms: latency && latency.p99Us / 1000,
  }),
);
child.stdin.write("stop\n");
child.stdin.end();
await child.exited;
await hub.stop();
server.stop(true);
process.exit(0);
