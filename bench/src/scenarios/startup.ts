import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { platformPorts } from "../../../services/platform/src/testing/ports.ts";
import { ROOT_DIR } from "../lib/paths.ts";
import { Child } from "../lib/proc.ts";
import { type Context, fmt, type Outcome, type Scenario } from "../lib/scenario.ts";
import { median } from "../lib/stats.ts";
import { BENCH_ADMIN_PASSWORD, login } from "./gateway.ts";

const BANNER = "JTS is running";

/** Seconds from the spawn of `just dev` to each milestone of one cold start. */
interface Start {
  banner: number;
  loggedIn: number;
  accepted: number;
  filled: number;
  /** SIGTERM to exit, after the fill. */
  stop: number;
  /** Starts abandoned because a port of the random block was taken meanwhile (each timed afresh). */
  portRetries: number;
}

/** A start that died on a port another process took between the pick and the listen. */
class PortTaken extends Error {}

async function placeMarketOrder(gateway: string, token: string, clientOrderId: string): Promise<string> {
  const res = await fetch(`${gateway}/api/orders`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ clientOrderId, symbol: "BTC-KRW", side: "BUY", type: "MARKET", quantity: "0.001" }),
  });
  if (res.status !== 201) throw new Error(`order refused: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function waitFilled(gateway: string, token: string, orderId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const order = (await (
      await fetch(`${gateway}/api/orders/${orderId}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { status: string; rejectReason?: string };
    if (order.status === "FILLED") return;
    if (order.status === "REJECTED" || order.status === "CANCELED")
      throw new Error(`the first order ended ${order.status}: ${JSON.stringify(order)}`);
    if (Date.now() > deadline) throw new Error(`the first order not FILLED after ${timeoutMs} ms (${order.status})`);
    await Bun.sleep(10);
  }
}

/**
 * One cold `just dev`: services/platform/src/main.ts on a fresh data directory
 * (so the embedded PostgreSQL cluster is created, as on a first run) and
 * random ports, timed from the spawn to the banner, the login, the order's
 * acceptance and its fill.
 */
async function coldStart(rep: number): Promise<Start> {
  for (let attempt = 0; ; attempt++) {
    try {
      return { ...(await coldStartOnce(rep)), portRetries: attempt };
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt >= 2) throw error;
    }
  }
}

async function coldStartOnce(rep: number): Promise<Omit<Start, "portRetries">> {
  const dataDir = mkdtempSync(join(tmpdir(), "jts-bench-startup-"));
  // The embedded PostgreSQL runs as a non-root user that must reach its data directory.
  chmodSync(dataDir, 0o755);
  const ports = platformPorts();
  const gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}`;
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  let bannerAt: number | null = null;
  const child = new Child("startup-dev", ["bun", join(ROOT_DIR, "services/platform/src/main.ts")], {
    env: { ...ports, JTS_DATA_DIR: dataDir, LOG_LEVEL: "warn", JTS_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD },
    onLine: (line) => {
      if (bannerAt === null && line.includes(BANNER)) bannerAt = since();
    },
  });
  try {
    const deadline = Date.now() + 180_000;
    while (bannerAt === null) {
      if (!child.running) {
        await child.exited;
        await Bun.sleep(200); // its last stderr lines reach the log
        const tail = readFileSync(child.log, "utf8").slice(-4000);
        if (tail.includes("EADDRINUSE")) throw new PortTaken(`a port was taken (log: ${child.log})`);
        throw new Error(`just dev exited before its banner (log: ${child.log})`);
      }
      if (Date.now() > deadline) throw new Error(`no banner after 180 s (log: ${child.log})`);
      await Bun.sleep(5);
    }
    const token = await login(gateway);
    const loggedIn = since();
    const orderId = await placeMarketOrder(gateway, token, `bench-startup-${rep}-${Date.now()}`);
    const accepted = since();
    await waitFilled(gateway, token, orderId, 60_000);
    const filled = since();
    const stopping = performance.now();
    await child.stop(20_000);
    return { banner: bannerAt, loggedIn, accepted, filled, stop: (performance.now() - stopping) / 1000 };
  } finally {
    await child.stop(20_000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function startupScenario(): Scenario {
  return {
    id: "startup",
    title: "Startup: `just dev` from cold to the first fill",
    async run(ctx: Context): Promise<Outcome> {
      const starts: Start[] = [];
      for (let rep = 1; rep <= ctx.reps; rep++) {
        ctx.log(`startup rep ${rep}/${ctx.reps}: just dev on a fresh data directory until the first fill`);
        starts.push(await coldStart(rep));
      }
      const col = (pick: (s: Start) => number) => fmt(median(starts.map(pick)), 2);
      return {
        metrics: {
          firstFillSec: starts.map((s) => s.filled),
          bannerSec: starts.map((s) => s.banner),
          bannerToFillSec: starts.map((s) => s.filled - s.banner),
          stopSec: starts.map((s) => s.stop),
          portRetries: starts.map((s) => s.portRetries),
        },
        tables: [
          {
            title: "Cold start to the first fill (seconds, median of repetitions)",
            headers: ["step", "seconds", "since the spawn"],
            rows: [
              [
                "process start -> banner (boot: embedded PostgreSQL initdb + start, chdb, every service)",
                col((s) => s.banner),
                col((s) => s.banner),
              ],
              ["banner -> logged in (POST /api/auth/login)", col((s) => s.loggedIn - s.banner), col((s) => s.loggedIn)],
              [
                "logged in -> MARKET order accepted (POST /api/orders, 201)",
                col((s) => s.accepted - s.loggedIn),
                col((s) => s.accepted),
              ],
              ["accepted -> FILLED (polled every 10 ms)", col((s) => s.filled - s.accepted), col((s) => s.filled)],
              ["**process start -> first fill**", col((s) => s.filled), col((s) => s.filled)],
              ["(after the fill) SIGTERM -> exit", col((s) => s.stop), ""],
            ],
          },
        ],
        notes: [
          "Informational, no target: the time is mostly the embedded PostgreSQL creating its cluster on a fresh data directory, which a developer pays once (later starts reuse the directory), and it follows the disk and the machine's load more than the code.",
          "`just dev` = `bun services/platform/src/main.ts` with its defaults (embedded PostgreSQL and chdb, strategies on); the recipe's install and web-build steps are skipped. Each repetition gets a fresh JTS_DATA_DIR under the system temp directory (removed afterwards) and a random block of ports (`platformPorts()`, as main.smoke.test.ts); a start that dies because another process took one of them meanwhile is abandoned and a new one timed from its own spawn (portRetries counts them). The order: BUY 0.001 BTC-KRW MARKET as admin through the gateway.",
        ],
        details: { starts },
      };
    },
  };
}
