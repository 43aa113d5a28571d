import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { decode, type LatencySummary, merge, summarize } from "../lib/hist.ts";
import { outPath, ROOT_DIR } from "../lib/paths.ts";
import { Child, runToResult } from "../lib/proc.ts";
import { type Context, fmt, type Outcome, readProfile, type Scenario } from "../lib/scenario.ts";
import { median } from "../lib/stats.ts";
import { type WrkResult, wrk, wrkAvailable } from "../lib/wrk.ts";

/** Made up per run: the servers the bench starts share them, nothing else ever sees them. */
export const BENCH_JWT_SECRET = `bench-${crypto.randomUUID()}-${crypto.randomUUID()}`;
export const BENCH_ADMIN_PASSWORD = `bench-${crypto.randomUUID()}`;
/** The service credential of the bench platforms: stopping the sim feed on its own port needs it. */
export const BENCH_SERVICE_TOKEN = `bench-${crypto.randomUUID()}-${crypto.randomUUID()}`;

/** The bench platform server under Bun's CPU profiler, writing its profile to `dir`. */
export function profiledPlatformServer(dir: string, extra: string[] = []): string[] {
  return [
    "bun",
    "--cpu-prof",
    "--cpu-prof-md",
    `--cpu-prof-dir=${dir}`,
    join(ROOT_DIR, "bench/src/servers/platform-server.ts"),
    `--set=JWT_SECRET=${BENCH_JWT_SECRET}`,
    `--set=JTS_ADMIN_PASSWORD=${BENCH_ADMIN_PASSWORD}`,
    "--set=STRATEGIES=off",
    ...extra,
  ];
}
export const NODE = "/usr/bin/node";

/** The platform (`just dev` composition) in a child process; resolves with the gateway URL once it listens. */
export async function startPlatformServer(name: string, settings: Record<string, string>, extra: string[] = []) {
  const args = Object.entries({
    JWT_SECRET: BENCH_JWT_SECRET,
    JTS_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    JWT_ACCESS_TTL_SECONDS: "7200",
    ...settings,
  }).map(([k, v]) => `--set=${k}=${v}`);
  const child = new Child(name, ["bun", join(ROOT_DIR, "bench/src/servers/platform-server.ts"), ...args, ...extra], {
    env: { JTS_SERVICE_TOKEN: BENCH_SERVICE_TOKEN },
  });
  const ready = (await child.next("ready", 120_000)) as { urls: Record<string, string> };
  return { child, gateway: ready.urls["api-gateway"] as string, urls: ready.urls };
}

export async function login(gateway: string): Promise<string> {
  const res = await fetch(`${gateway}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: BENCH_ADMIN_PASSWORD }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** Trades a little so GET /api/positions answers real positions, not an empty list. */
async function seedPositions(gateway: string, token: string): Promise<string> {
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const prices = (await (await fetch(`${gateway}/api/prices`, { headers: auth })).json()) as unknown[];
    if (Array.isArray(prices) && prices.length >= 3) break;
    await Bun.sleep(200);
  }
  for (const [symbol, quantity] of [
    ["BTC-KRW", "0.001"],
    ["ETH-KRW", "0.01"],
    ["005930", "10"],
  ]) {
    await fetch(`${gateway}/api/orders`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ clientOrderId: `bench-seed-${symbol}`, symbol, side: "BUY", type: "MARKET", quantity }),
    });
  }
  await Bun.sleep(500);
  const res = await fetch(`${gateway}/api/positions`, { headers: auth });
  if (!res.ok) throw new Error(`GET /api/positions answered ${res.status}`);
  return res.text();
}

async function positionsBody(gateway: string, token: string): Promise<string> {
  const res = await fetch(`${gateway}/api/positions`, { headers: { authorization: `Bearer ${token}` } });
  return res.text();
}

interface FixedRate {
  achievedPerSec: number;
  ok: number;
  non200: number;
  errors: number;
  unanswered: number;
  latency: LatencySummary;
  latencyHist: string;
  fromSend: LatencySummary;
  sendLag: LatencySummary;
}

function fixedRate(name: string, url: string, token: string, ctx: Context): Promise<FixedRate> {
  const seconds = ctx.smoke ? 2 : 15;
  const rate = ctx.smoke ? 500 : 5000;
  return runToResult(
    name,
    [
      "bun",
      join(ROOT_DIR, "bench/src/clients/http-rate.ts"),
      `--url=${url}`,
      `--rate=${rate}`,
      `--seconds=${seconds}`,
      `--warmup=${ctx.smoke ? 1 : 3}`,
      "--connections=64",
    ],
    { env: { BENCH_HEADER: `Authorization: Bearer ${token}` } },
  ) as unknown as Promise<FixedRate>;
}

export function gatewayScenario(): Scenario {
  return {
    id: "gateway",
    title: "3. Gateway: authenticated GET /api/positions (JWT + rate limit on every request)",
    async run(ctx): Promise<Outcome> {
      const wrkVersion = await wrkAvailable();
      const jts = await startPlatformServer(
        "gateway-jts",
        {
          API_RATE_LIMIT: "1000000000",
          STRATEGIES: "off",
        },
        ["--keep-feed"],
      );
      let nest: Child | null = null;
      try {
        const token = await login(jts.gateway);
        const body = await seedPositions(jts.gateway, token);
        // Freeze the market after seeding, so the positions (marked to the last price) stay as the fixture has them.
        await fetch(`${jts.urls["broker-sim"]}/feed/stop`, {
          method: "POST",
          headers: { authorization: `Bearer ${BENCH_SERVICE_TOKEN}` },
        });
        await Bun.sleep(300);
        const frozen = (await positionsBody(jts.gateway, token)) || body;
        const fixture = outPath("gateway-positions.json");
        writeFileSync(fixture, frozen);
        nest = new Child("gateway-nest", [NODE, join(ROOT_DIR, "bench/baselines/nest-server.cjs")], {
          env: { PORT: "0", JWT_SECRET: BENCH_JWT_SECRET, POSITIONS_FILE: fixture, API_RATE_LIMIT: "1000000000" },
        });
        const nestUrl = ((await nest.next("ready", 60_000)) as { url: string }).url;
        const servers = { jts: `${jts.gateway}/api/positions`, nest: `${nestUrl}/api/positions` };
        const header = `Authorization: Bearer ${token}`;
        for (const [name, url] of Object.entries(servers)) {
          const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
          const text = await res.text();
          if (res.status !== 200) throw new Error(`${name} answered ${res.status}: ${text.slice(0, 200)}`);
          if (text !== frozen)
            ctx.log(`warning: ${name} answers a different body (${text.length} vs ${frozen.length} bytes)`);
        }
        const throughput: Record<string, WrkResult[]> = { jts: [], nest: [] };
        const fixed: Record<string, FixedRate[]> = { jts: [], nest: [] };
        const wrkOptions = { threads: 2, connections: 64, seconds: ctx.smoke ? 2 : 10, header };
        if (wrkVersion) {
          for (const url of Object.values(servers)) await wrk(url, { ...wrkOptions, seconds: ctx.smoke ? 1 : 3 });
        }
        for (let rep = 1; rep <= ctx.reps; rep++) {
          for (const [name, url] of Object.entries(servers) as Array<["jts" | "nest", string]>) {
            if (wrkVersion) {
              ctx.log(`gateway rep ${rep}/${ctx.reps}: ${name} throughput (wrk)`);
              throughput[name]?.push(await wrk(url, wrkOptions));
            }
            ctx.log(`gateway rep ${rep}/${ctx.reps}: ${name} at a fixed rate`);
            fixed[name]?.push(await fixedRate(`gateway-rate-${name}`, url, token, ctx));
          }
        }
        const rps = (name: string) => (throughput[name] ?? []).map((r) => r.requestsPerSec);
        const p99 = (name: string) => (fixed[name] ?? []).map((r) => r.latency.p99Us / 1000);
        const pooled = (name: string) => summarize(merge((fixed[name] ?? []).map((r) => decode(r.latencyHist))));
        const rate = ctx.smoke ? 500 : 5000;
        const row = (name: "jts" | "nest", label: string) => {
          const p = pooled(name);
          return [
            label,
            fmt(median(rps(name)), 0),
            String(median((throughput[name] ?? []).map((r) => r.non2xx + r.socketErrors))),
            fmt(median((fixed[name] ?? []).map((r) => r.achievedPerSec)), 0),
            fmt(median((fixed[name] ?? []).map((r) => r.latency.p50Us / 1000)), 2),
            fmt(median(p99(name)), 2),
            fmt(p.p999Us / 1000, 2),
            fmt(p.maxUs / 1000, 1),
            String((fixed[name] ?? []).reduce((n, r) => n + r.non200 + r.errors + r.unanswered, 0)),
            fmt(median((fixed[name] ?? []).map((r) => r.sendLag.p99Us / 1000)), 2),
            fmt(median((fixed[name] ?? []).map((r) => r.fromSend.p99Us / 1000)), 2),
          ];
        };
        return {
          metrics: {
            jtsRps: rps("jts"),
            nestRps: rps("nest"),
            ratioRps: rps("jts").map((v, i) => v / (rps("nest")[i] ?? Number.NaN)),
            jtsNon2xx: (throughput.jts ?? []).map((r) => r.non2xx + r.socketErrors),
            jtsP99Ms: p99("jts"),
            nestP99Ms: p99("nest"),
            ratioP99: p99("jts").map((v, i) => v / (p99("nest")[i] ?? Number.NaN)),
            jtsFixedFailures: (fixed.jts ?? []).map((r) => r.non200 + r.errors + r.unanswered),
          },
          unavailable: wrkVersion ? {} : { jtsRps: "wrk is not installed (apt-get install -y wrk)" },
          tables: [
            {
              title: `Side by side (median of ${ctx.reps} repetitions; fixed rate ${rate} req/s, latency from the intended send time)`,
              headers: [
                "server",
                "max req/s (wrk)",
                "non-2xx",
                "fixed: req/s",
                "p50 ms",
                "p99 ms",
                "p99.9 ms (pooled)",
                "max ms (pooled)",
                "failed",
                "client send lag p99 ms",
                "p99 ms from the actual send",
              ],
              rows: [row("jts", "JTS gateway (Bun, Elysia)"), row("nest", "NestJS 12 + Express 5 (Node 20)")],
            },
          ],
          notes: [
            "JTS: the `just dev` composition in one process (bootPlatform, in-memory ports), API_RATE_LIMIT=1e9 so the token bucket runs and passes on every request; /api/positions resolves the JWT (jose via @elysiajs/jwt), checks the deny list in the cache, takes a token, and asks portfolio-tracker over the rpc port. The account holds three positions (seeded by three market orders); both servers answer the same JSON.",
            "NestJS: the same route (bench/baselines/nest-server.cjs): guard with jsonwebtoken.verify, deny-list check and a per-user token bucket with RateLimit headers, positions from an injected service; run with Node 20 (/usr/bin/node).",
            `Throughput: wrk ${wrkOptions.threads} threads, ${wrkOptions.connections} connections, ${wrkOptions.seconds} s, after a warm-up; wrk shares the 2 cores with the server. Fixed rate: bench/src/clients/http-rate.ts, 64 keep-alive connections, latency from each request's intended send time (the target's number); the client's own send lag and the latency from the actual send are shown beside it, so a starved client (the machine is shared) is told apart from a slow server.`,
          ],
          details: {
            wrkVersion,
            throughput: Object.fromEntries(
              Object.entries(throughput).map(([k, v]) => [k, v.map(({ raw: _, ...r }) => r)]),
            ),
            fixed: Object.fromEntries(
              Object.entries(fixed).map(([k, v]) => [k, v.map(({ latencyHist: _, ...r }) => r)]),
            ),
          },
        };
      } finally {
        await nest?.stop();
        jts.child.send("stop");
        await jts.child.finish(20_000);
      }
    },
    async profile(ctx) {
      // Profile the gateway process while wrk drives it.
      const dir = outPath("profiles", `gateway-${Date.now()}`, "x").replace(/\/x$/, "");
      const child = new Child("profile-gateway", profiledPlatformServer(dir, ["--set=API_RATE_LIMIT=1000000000"]));
      const ready = (await child.next("ready", 120_000)) as { urls: Record<string, string> };
      const gateway = ready.urls["api-gateway"] as string;
      const token = await login(gateway);
      await wrk(`${gateway}/api/positions`, {
        threads: 2,
        connections: 64,
        seconds: ctx.smoke ? 2 : 10,
        header: `Authorization: Bearer ${token}`,
      }).catch(() => null);
      child.send("stop");
      await child.exited;
      return readProfile(dir);
    },
  };
}
