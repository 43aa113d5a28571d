import { rmSync } from "node:fs";
import { join } from "node:path";
import { outPath, ROOT_DIR } from "../lib/paths.ts";
import { Child, freePort, residentBytes } from "../lib/proc.ts";
import { type Context, fmt, type Outcome, type Scenario } from "../lib/scenario.ts";
import { median } from "../lib/stats.ts";
import { BENCH_ADMIN_PASSWORD, BENCH_JWT_SECRET, login } from "./gateway.ts";

const PORT_VARS = [
  "GATEWAY_PORT",
  "STRATEGY_PORT",
  "RISK_PORT",
  "ORDER_PORT",
  "MARKET_DATA_PORT",
  "PORTFOLIO_PORT",
  "NOTIFICATION_PORT",
  "PAPER_PORT",
  "SIM_PORT",
  "WEB_PORT",
  "PG_PORT",
];

const MB = 1024 * 1024;

interface Sample {
  selfMB: number;
  peakMB: number;
  childrenMB: number;
}

/**
 * `just dev` itself: services/platform/src/main.ts (what the recipe runs after
 * install and web-build) with embedded PostgreSQL and chdb under a fresh data
 * directory, on free ports. Returns once the gateway answers.
 */
async function startDev(name: string, dataDir: string, simIntervalMs: number) {
  const ports = Object.fromEntries(PORT_VARS.map((v) => [v, String(freePort())]));
  const child = new Child(name, ["bun", join(ROOT_DIR, "services/platform/src/main.ts")], {
    env: {
      ...ports,
      JTS_DATA_DIR: dataDir,
      SIM_INTERVAL_MS: String(simIntervalMs),
      LOG_LEVEL: "warn",
      JWT_SECRET: BENCH_JWT_SECRET,
      JTS_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    },
  });
  const gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (!child.running) throw new Error(`just dev exited during start (log: ${child.log})`);
    const ok = await fetch(`${gateway}/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`just dev not up after 120 s (log: ${child.log})`);
    await Bun.sleep(200);
  }
  return { child, gateway };
}

async function sample(pid: number): Promise<Sample> {
  const r = await residentBytes(pid);
  return { selfMB: r.self / MB, peakMB: r.peak / MB, childrenMB: r.children / MB };
}

/** Counts ticks arriving on the gateway's /ws for every sim symbol (what the PWA would see). */
async function countTicks(gateway: string, token: string) {
  const ws = new WebSocket(`${gateway.replace("http", "ws")}/ws`);
  let ticks = 0;
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => ws.send(JSON.stringify({ op: "auth", token }));
    ws.onerror = () => reject(new Error("ws error"));
    ws.onmessage = (e) => {
      const data = e.data as string;
      if (data.includes('"op":"authed"'))
        ws.send(JSON.stringify({ op: "subscribe", channels: ["ticker:BTC-KRW", "ticker:ETH-KRW", "ticker:005930"] }));
      else if (data.includes('"op":"subscribed"')) resolve();
      else if (data.startsWith('{"op":"event"') && !data.includes('"snapshot":true')) ticks++;
    };
  });
  return {
    take: () => {
      const n = ticks;
      ticks = 0;
      return n;
    },
    close: () => ws.close(),
  };
}

export function memoryScenario(): Scenario {
  const sizes = (ctx: Context) => (ctx.smoke ? { idleS: 2, loadS: 3 } : { idleS: 15, loadS: 30 });
  return {
    id: "memory",
    title: "8. Memory: `just dev` idle and under ~1k ticks/s",
    async run(ctx): Promise<Outcome> {
      const { idleS, loadS } = sizes(ctx);
      const dataDir = outPath("dev-data", "x").replace(/\/x$/, "");
      rmSync(dataDir, { recursive: true, force: true });
      const idle: Sample[] = [];
      const load: Array<Sample & { maxSelfMB: number; ticksPerSec: number }> = [];
      for (let rep = 1; rep <= ctx.reps; rep++) {
        ctx.log(`memory rep ${rep}/${ctx.reps}: just dev idle for ${idleS} s`);
        let dev = await startDev("memory-dev-idle", dataDir, 250);
        try {
          await Bun.sleep(idleS * 1000);
          idle.push(await sample(dev.child.pid));
        } finally {
          await dev.child.stop(20_000);
        }
        ctx.log(`memory rep ${rep}/${ctx.reps}: just dev with SIM_INTERVAL_MS=3 for ${loadS} s`);
        dev = await startDev("memory-dev-load", dataDir, 3);
        try {
          const counter = await countTicks(dev.gateway, await login(dev.gateway));
          await Bun.sleep(2000);
          counter.take();
          const started = performance.now();
          let maxSelf = 0;
          let last: Sample = { selfMB: 0, peakMB: 0, childrenMB: 0 };
          while (performance.now() - started < loadS * 1000) {
            await Bun.sleep(1000);
            last = await sample(dev.child.pid);
            maxSelf = Math.max(maxSelf, last.selfMB);
          }
          const ticksPerSec = counter.take() / ((performance.now() - started) / 1000);
          counter.close();
          load.push({ ...last, maxSelfMB: maxSelf, ticksPerSec });
        } finally {
          await dev.child.stop(20_000);
        }
      }
      return {
        metrics: {
          idleMB: idle.map((s) => s.selfMB),
          loadMB: load.map((s) => s.maxSelfMB),
          loadPeakMB: load.map((s) => s.peakMB),
          loadTicksPerSec: load.map((s) => s.ticksPerSec),
          postgresIdleMB: idle.map((s) => s.childrenMB),
          postgresLoadMB: load.map((s) => s.childrenMB),
          loadTotalMB: load.map((s) => s.maxSelfMB + s.childrenMB),
        },
        tables: [
          {
            title: "Resident memory (MB, median of repetitions)",
            headers: [
              "state",
              "platform process (RSS)",
              "its peak (VmHWM)",
              "embedded PostgreSQL processes",
              "ticks/s seen on /ws",
            ],
            rows: [
              [
                "idle (SIM_INTERVAL_MS=250)",
                fmt(median(idle.map((s) => s.selfMB)), 0),
                fmt(median(idle.map((s) => s.peakMB)), 0),
                fmt(median(idle.map((s) => s.childrenMB)), 0),
                "~14",
              ],
              [
                "under load (SIM_INTERVAL_MS=3)",
                fmt(median(load.map((s) => s.maxSelfMB)), 0),
                fmt(median(load.map((s) => s.peakMB)), 0),
                fmt(median(load.map((s) => s.childrenMB)), 0),
                fmt(median(load.map((s) => s.ticksPerSec)), 0),
              ],
            ],
          },
        ],
        notes: [
          "`just dev` = `bun services/platform/src/main.ts` (the recipe's install and web-build steps are skipped), with its defaults: embedded PostgreSQL and chdb under a fresh bench/out/dev-data, strategies on, the PWA served; every port a free one. The first start of each run creates the PostgreSQL cluster, later starts reuse it, as a developer's would.",
          "The platform process's RSS is the target's number; PostgreSQL runs as its own server processes (children of the platform) and is listed beside it. Under load the sim steps every 3 ms (the nearest setting to 1k ticks/s); the tick rate is counted on the gateway's /ws as the PWA would receive it. RSS is sampled every second; the maximum is reported.",
        ],
        details: { idle, load },
      };
    },
  };
}
