/**
 * CPU the hub spends per tick fanned out to N real WebSocket clients (on a
 * shared machine CPU time says more than wall latency):
 *   bun services/api-gateway/src/ws/fanout-cpu.ts [--clients=1000] [--ticks=1000]
 * The hub runs on a bare Bun server as in bun-socket.test.ts; the clients are
 * bench/src/clients/ws-clients.ts in a child process.
 */
import { join } from "node:path";
import { hubFixture, settle, tickOf } from "./hub-fixture.ts";

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const clients = arg("clients", 1000);
const ticks = arg("ticks", 1000);

let server: ReturnType<typeof Bun.serve> | undefined;
const fixture = await hubFixture(
  { alice: null },
  {
    publish: (topic, frame) => void server?.publish(topic, frame),
    maxSocketsPerUser: clients,
    maxUnauthenticatedPerAddress: clients,
  },
);
const { hub } = fixture;
server = Bun.serve({
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
    join(import.meta.dir, "../../../../bench/src/clients/ws-clients.ts"),
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

const cpu0 = process.cpuUsage();
const start = performance.now();
for (let i = 0; i < ticks; i++) {
  await fixture.publishTick(tickOf("BTC-KRW", String(100 + (i % 10))));
  if (i % 10 === 9) await Bun.sleep(1);
}
await settle();
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - start;
console.log(
  JSON.stringify({
    clients,
    ticks,
    cpuUsPerTick: Math.round((cpu.user + cpu.system) / ticks),
    userUsPerTick: Math.round(cpu.user / ticks),
    systemUsPerTick: Math.round(cpu.system / ticks),
    wallMs: Math.round(wallMs),
    sockets: hub.size,
  }),
);
child.stdin.write("stop\n");
child.stdin.end();
await child.exited;
await hub.stop();
server.stop(true);
process.exit(0);
