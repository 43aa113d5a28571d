import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePortBlock } from "@jts/kit/testing";
import { SQL } from "bun";
import { decode, type LatencySummary, merge, summarize } from "../lib/hist.ts";
import { outPath, ROOT_DIR } from "../lib/paths.ts";
import { devStorage } from "../lib/platform.ts";
import { Child, run, runToResult } from "../lib/proc.ts";
import { type Context, fmt, type Outcome, readProfile, type Scenario } from "../lib/scenario.ts";
import { cleanNamespace, parseExports } from "../lib/servers.ts";
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
  const pricesBy = Date.now() + 15_000;
  while (Date.now() < pricesBy) {
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
  // `just stack` books the fills through Kafka, later than the orders' answers: wait until all three are there.
  const bookedBy = Date.now() + 30_000;
  for (;;) {
    const body = await positionsBody(gateway, token);
    const booked = (JSON.parse(body) as unknown[]).length;
    if (booked >= 3) return body;
    if (Date.now() > bookedBy) throw new Error(`${booked} of the 3 seeded positions booked after 30 s`);
    await Bun.sleep(200);
  }
}

async function positionsBody(gateway: string, token: string): Promise<string> {
  const res = await fetch(`${gateway}/api/positions`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET /api/positions answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return res.text();
}

/**
 * The positions once they stop changing (two reads 500 ms apart alike): after the feed stops, the
 * last marks still travel (over Kafka in `just stack`), and the bare app must serve the final body.
 */
async function settledPositions(gateway: string, token: string): Promise<string> {
  let last = await positionsBody(gateway, token);
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    await Bun.sleep(500);
    const next = await positionsBody(gateway, token);
    if (next === last) return next;
    last = next;
  }
  throw new Error("GET /api/positions still changing 15 s after the feed stopped");
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

/** A composition under test: where its gateway and sim venue listen, and how to end it. */
interface Running {
  gateway: string;
  sim: string;
  stop(): Promise<void>;
}

type CompositionId = "dev" | "stack" | "memory";

interface Composition {
  id: CompositionId;
  label: string;
  note: string;
  start(ctx: Context): Promise<Running>;
  /** Also measure the NestJS baseline against this one (kept on the in-memory composition, as before). */
  nest?: boolean;
}

const GATEWAY_SETTINGS = { API_RATE_LIMIT: "1000000000", STRATEGIES: "off" };

/** The platform process of platform-server.ts with `settings`, plus whatever else `stop` removes. */
async function platformProcess(name: string, settings: Record<string, string>, cleanup = async () => {}) {
  const jts = await startPlatformServer(name, { ...GATEWAY_SETTINGS, ...settings }, ["--keep-feed"]).catch(
    async (error: unknown) => {
      await cleanup();
      throw error;
    },
  );
  return {
    gateway: jts.gateway,
    sim: jts.urls["broker-sim"] as string,
    async stop() {
      jts.child.send("stop");
      await jts.child.finish(30_000);
      await cleanup();
    },
  };
}

/** The servers' URLs and credentials: this shell's when exported, else what host/servers/all prints (it starts nothing). */
async function serverEnv(): Promise<Record<string, string>> {
  const names = [
    "REDIS_URL",
    "NATS_URL",
    "NATS_USER",
    "NATS_PASSWORD",
    "KAFKA_BROKERS",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
    "KAFKA_SASL_MECHANISM",
    "DATABASE_URL",
  ];
  const env: Record<string, string> = {};
  for (const name of names) if (process.env[name]) env[name] = process.env[name] as string;
  if (env.REDIS_URL && env.NATS_URL && env.KAFKA_BROKERS && env.DATABASE_URL) return env;
  const printed = await run([join(ROOT_DIR, "host/servers/all"), "env"]);
  for (const [name, value] of Object.entries(parseExports(printed))) if (names.includes(name)) env[name] ??= value;
  return env;
}

/**
 * `just stack`: every service its own process (startTestStack, the entries host/stack runs)
 * on the PostgreSQL, Redis, NATS and Kafka already running here. Its own database on that
 * PostgreSQL and its own namespace on the buses, both removed afterwards; the servers
 * themselves are never started or stopped.
 */
async function startStack(ctx: Context): Promise<Running> {
  const env = await serverEnv();
  const missing = ["REDIS_URL", "NATS_URL", "KAFKA_BROKERS", "DATABASE_URL"].filter((n) => !env[n]);
  if (missing.length > 0) throw new Error(`just stack needs the running servers: ${missing.join(", ")} not set`);
  const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const namespace = `benchgw${id}`;
  const database = `bench_gw_${id}`;
  const admin = new SQL(env.DATABASE_URL as string);
  await admin.unsafe(`CREATE DATABASE ${database}`);
  const databaseUrl = new URL(env.DATABASE_URL as string);
  databaseUrl.pathname = `/${database}`;
  const workDir = mkdtempSync(join(tmpdir(), "jts-bench-stack-"));
  const cleanup = async () => {
    await cleanNamespace(
      namespace,
      { REDIS_URL: env.REDIS_URL, NATS_URL: env.NATS_URL, KAFKA_BROKERS: env.KAFKA_BROKERS },
      env,
    ).catch(() => {});
    await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
    await admin.close();
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const { startTestStack, STACK_SERVICES } = await import("@jts/platform/testing/stack");
    const stack = await startTestStack({
      basePort: freePortBlock(STACK_SERVICES.length),
      logDir: join(workDir, "logs"),
      env: {
        ...env,
        JTS_BUS: "kafka",
        JTS_RPC: "nats",
        JTS_CACHE: "redis",
        JTS_NAMESPACE: namespace,
        DATABASE_URL: databaseUrl.toString(),
        CHDB_PATH: join(workDir, "chdb"),
        JWT_SECRET: BENCH_JWT_SECRET,
        JTS_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
        JWT_ACCESS_TTL_SECONDS: "7200",
        JTS_SERVICE_TOKEN: BENCH_SERVICE_TOKEN,
        LOG_LEVEL: "warn",
        ...GATEWAY_SETTINGS,
      },
    });
    ctx.log(`gateway: just stack up (namespace ${namespace}, database ${database})`);
    return {
      gateway: stack.url("api-gateway"),
      sim: stack.url("broker-sim"),
      async stop() {
        await stack.stop();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

export const COMPOSITIONS: Composition[] = [
  {
    id: "dev",
    label: "`just dev` (one process, embedded PostgreSQL + chdb)",
    note: "`just dev`: bootPlatform as services/platform/src/main.ts runs it (JTS_STORAGE=embedded: its own embedded PostgreSQL and chdb under a fresh data directory), in-memory bus, rpc and cache.",
    start: async () => {
      const storage = devStorage();
      return platformProcess("gateway-dev", storage.settings, storage.remove);
    },
  },
  {
    id: "stack",
    label: "`just stack` (a process per service; PostgreSQL, Kafka, NATS, Redis)",
    note: "`just stack`: every service its own process (services/platform/src/testing/stack.ts, the entries host/stack starts), events on Kafka, rpc on NATS, cache and rate limits in Redis, orders and positions in a database of its own on the PostgreSQL already running; the gateway reaches portfolio-tracker over NATS.",
    start: startStack,
  },
  {
    id: "memory",
    label: "in memory (one process, JTS_STORAGE=memory)",
    note: "In memory: bootPlatform with JTS_STORAGE=memory (no database at all), the composition this scenario measured before.",
    start: async () => platformProcess("gateway-memory", { JTS_STORAGE: "memory" }),
    nest: true,
  },
];

/** BENCH_GATEWAY_COMPOSITIONS=dev,stack measures only those (re-running one after a change); all three by default. */
function chosenCompositions(): Composition[] {
  const only = process.env.BENCH_GATEWAY_COMPOSITIONS?.split(",").filter(Boolean);
  return only && only.length > 0 ? COMPOSITIONS.filter((c) => only.includes(c.id)) : COMPOSITIONS;
}

type ServerName = "jts" | "bare" | "nest";

interface Measured {
  throughput: Record<ServerName, WrkResult[]>;
  fixed: FixedRate[];
}

/** One composition: boot it, seed three positions, freeze the market, then measure it beside the bare app (and Nest). */
async function measureComposition(
  composition: Composition,
  ctx: Context,
  wrkVersion: string | null,
): Promise<Measured> {
  const running = await composition.start(ctx);
  const baselines: Child[] = [];
  try {
    const token = await login(running.gateway);
    const body = await seedPositions(running.gateway, token);
    // Freeze the market after seeding, so the positions (marked to the last price) stay as the fixture has them.
    await fetch(`${running.sim}/feed/stop`, {
      method: "POST",
      headers: { authorization: `Bearer ${BENCH_SERVICE_TOKEN}` },
    });
    const frozen = (await settledPositions(running.gateway, token)) || body;
    const fixture = outPath(`gateway-positions-${composition.id}.json`);
    writeFileSync(fixture, frozen);
    const bare = new Child(
      `gateway-bare-${composition.id}`,
      ["bun", join(ROOT_DIR, "bench/baselines/bare-elysia.ts")],
      {
        env: { PORT: "0", JWT_SECRET: BENCH_JWT_SECRET, POSITIONS_FILE: fixture },
      },
    );
    baselines.push(bare);
    const servers: Partial<Record<ServerName, string>> = {
      jts: `${running.gateway}/api/positions`,
      bare: `${((await bare.next("ready", 60_000)) as { url: string }).url}/api/positions`,
    };
    if (composition.nest) {
      const nest = new Child("gateway-nest", [NODE, join(ROOT_DIR, "bench/baselines/nest-server.cjs")], {
        env: { PORT: "0", JWT_SECRET: BENCH_JWT_SECRET, POSITIONS_FILE: fixture, API_RATE_LIMIT: "1000000000" },
      });
      baselines.push(nest);
      servers.nest = `${((await nest.next("ready", 60_000)) as { url: string }).url}/api/positions`;
    }
    for (const [name, url] of Object.entries(servers)) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      if (res.status !== 200)
        throw new Error(`${composition.id} ${name} answered ${res.status}: ${text.slice(0, 200)}`);
      if (text !== frozen)
        ctx.log(
          `warning: ${composition.id} ${name} answers a different body (${text.length} vs ${frozen.length} bytes)`,
        );
    }
    const header = `Authorization: Bearer ${token}`;
    const measured: Measured = { throughput: { jts: [], bare: [], nest: [] }, fixed: [] };
    const wrkOptions = { threads: 2, connections: 64, seconds: ctx.smoke ? 2 : 10, header };
    if (wrkVersion) {
      for (const url of Object.values(servers)) await wrk(url, { ...wrkOptions, seconds: ctx.smoke ? 1 : 3 });
    }
    for (let rep = 1; rep <= ctx.reps; rep++) {
      if (wrkVersion) {
        for (const [name, url] of Object.entries(servers) as Array<[ServerName, string]>) {
          ctx.log(`gateway ${composition.id} rep ${rep}/${ctx.reps}: ${name} throughput (wrk)`);
          measured.throughput[name].push(await wrk(url, wrkOptions));
        }
      }
      ctx.log(`gateway ${composition.id} rep ${rep}/${ctx.reps}: jts at a fixed rate`);
      measured.fixed.push(await fixedRate(`gateway-rate-${composition.id}`, servers.jts as string, token, ctx));
    }
    return measured;
  } finally {
    for (const child of baselines) await child.stop();
    await running.stop();
  }
}

export function gatewayScenario(): Scenario {
  return {
    id: "gateway",
    title: "3. Gateway: authenticated GET /api/positions (JWT + rate limit on every request), per composition",
    async run(ctx): Promise<Outcome> {
      const wrkVersion = await wrkAvailable();
      const results: Partial<Record<CompositionId, Measured>> = {};
      const failed: Partial<Record<CompositionId, string>> = {};
      const chosen = chosenCompositions();
      for (const { id } of COMPOSITIONS)
        if (!chosen.some((c) => c.id === id)) failed[id] = "not chosen (BENCH_GATEWAY_COMPOSITIONS)";
      for (const composition of chosen) {
        ctx.log(`gateway: ${composition.label}`);
        try {
          results[composition.id] = await measureComposition(composition, ctx, wrkVersion);
        } catch (error) {
          failed[composition.id] = (error as Error).message;
          ctx.log(`gateway ${composition.id} failed: ${(error as Error).message}`);
        }
      }
      const rps = (id: CompositionId, name: ServerName) =>
        (results[id]?.throughput[name] ?? []).map((r) => r.requestsPerSec);
      const p99 = (id: CompositionId) => (results[id]?.fixed ?? []).map((r) => r.latency.p99Us / 1000);
      const metrics: Record<string, number[]> = {};
      const unavailable: Record<string, string> = {};
      for (const { id } of COMPOSITIONS) {
        metrics[`${id}Rps`] = rps(id, "jts");
        metrics[`${id}BareRps`] = rps(id, "bare");
        metrics[`${id}RatioToBare`] = rps(id, "jts").map((v, i) => v / (rps(id, "bare")[i] ?? Number.NaN));
        metrics[`${id}WrkP99Ms`] = (results[id]?.throughput.jts ?? []).map((r) => r.latencyP99Ms ?? Number.NaN);
        metrics[`${id}Non2xx`] = (results[id]?.throughput.jts ?? []).map((r) => r.non2xx + r.socketErrors);
        metrics[`${id}P99Ms`] = p99(id);
        metrics[`${id}FixedFailures`] = (results[id]?.fixed ?? []).map((r) => r.non200 + r.errors + r.unanswered);
        const why = failed[id] ?? (wrkVersion ? undefined : "wrk is not installed (apt-get install -y wrk)");
        if (why) for (const m of ["Rps", "BareRps", "RatioToBare", "WrkP99Ms"]) unavailable[`${id}${m}`] = why;
        if (failed[id]) for (const m of ["P99Ms", "FixedFailures"]) unavailable[`${id}${m}`] = failed[id] as string;
      }
      metrics.nestRps = rps("memory", "nest");
      const rate = ctx.smoke ? 500 : 5000;
      const rows = chosen.flatMap(({ id, label }) => {
        const m = results[id];
        if (!m) return [[label, `failed: ${(failed[id] ?? "").slice(0, 120)}`, ...Array<string>(10).fill("")]];
        const pooled = summarize(merge(m.fixed.map((r) => decode(r.latencyHist))));
        const wrkRow = (name: ServerName, server: string) => [
          label,
          server,
          fmt(median(rps(id, name)), 0),
          fmt(median(m.throughput[name].map((r) => r.latencyP99Ms ?? Number.NaN)), 2),
          String(median(m.throughput[name].map((r) => r.non2xx + r.socketErrors))),
        ];
        const out = [
          [
            ...wrkRow("jts", "JTS gateway"),
            fmt(median(m.fixed.map((r) => r.achievedPerSec)), 0),
            fmt(median(m.fixed.map((r) => r.latency.p50Us / 1000)), 2),
            fmt(median(p99(id)), 2),
            fmt(pooled.p999Us / 1000, 2),
            String(m.fixed.reduce((n, r) => n + r.non200 + r.errors + r.unanswered, 0)),
            fmt(median(m.fixed.map((r) => r.sendLag.p99Us / 1000)), 2),
            fmt(median(m.fixed.map((r) => r.fromSend.p99Us / 1000)), 2),
          ],
          [...wrkRow("bare", "bare Elysia + @elysiajs/jwt (ceiling)"), "", "", "", "", "", "", ""],
        ];
        if (m.throughput.nest.length > 0)
          out.push([...wrkRow("nest", "NestJS 12 + Express 5 (Node 20)"), "", "", "", "", "", "", ""]);
        return out;
      });
      return {
        metrics,
        unavailable,
        tables: [
          {
            title: `Per composition, each beside the bare app in the same run (median of ${ctx.reps} repetitions; fixed rate ${rate} req/s, latency from the intended send time)`,
            headers: [
              "composition",
              "server",
              "max req/s (wrk)",
              "wrk p99 ms",
              "non-2xx",
              "fixed: req/s",
              "p50 ms",
              "p99 ms",
              "p99.9 ms (pooled)",
              "failed",
              "client send lag p99 ms",
              "p99 ms from the actual send",
            ],
            rows,
          },
        ],
        notes: [
          ...chosen.map((c) => c.note),
          "Every composition: API_RATE_LIMIT=1e9 so the token bucket runs and passes on every request; /api/positions resolves the JWT (jose via @elysiajs/jwt), checks the deny list in the cache, takes a token, and asks portfolio-tracker over the rpc port, which answers from its in-memory read model. The account holds three positions (seeded by three market orders, then the sim feed is stopped); every server answers that composition's JSON.",
          "Bare Elysia (bench/baselines/bare-elysia.ts, Bun): the ceiling, the same route with the JWT verified by @elysiajs/jwt and a per-user request count, the positions from a file; no deny list, no rpc. It runs against each composition in the same run, so the ratio compares like with like on this shared machine.",
          "NestJS (in-memory composition only, as before): bench/baselines/nest-server.cjs, guard with jsonwebtoken.verify, deny-list check and a per-user token bucket, on Node 20.",
          `Throughput: wrk 2 threads, 64 connections, ${ctx.smoke ? 2 : 10} s, after a warm-up; wrk shares the 2 cores with the servers. Fixed rate: bench/src/clients/http-rate.ts, 64 keep-alive connections, latency from each request's intended send time; the client's own send lag is shown beside it, so a starved client (the machine is shared) is told apart from a slow server.`,
        ],
        details: {
          wrkVersion,
          failed,
          results: Object.fromEntries(
            Object.entries(results).map(([id, m]) => [
              id,
              {
                throughput: Object.fromEntries(
                  Object.entries(m.throughput).map(([k, v]) => [k, v.map(({ raw: _, ...r }) => r)]),
                ),
                fixed: m.fixed.map(({ latencyHist: _, ...r }) => r),
              },
            ]),
          ),
        },
      };
    },
    async profile(ctx) {
      // Profile the gateway process while wrk drives it.
      const dir = outPath("profiles", `gateway-${Date.now()}`, "x").replace(/\/x$/, "");
      // The composition the targets judge: `just dev`'s, embedded PostgreSQL under a fresh data directory.
      const storage = devStorage();
      const child = new Child(
        "profile-gateway",
        profiledPlatformServer(dir, [
          "--set=API_RATE_LIMIT=1000000000",
          ...Object.entries(storage.settings).map(([k, v]) => `--set=${k}=${v}`),
        ]),
      );
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
      await child.finish(30_000);
      await storage.remove();
      return readProfile(dir);
    },
  };
}
