import { describe, expect, it } from "bun:test";
import { type OptimizationPlan, type OptimizationRunHandle, planRequest, type WorkerRun } from "@jts/backtest";
import {
  type BacktestRequest,
  type BacktestResult,
  OPTIMIZATION_MAX_STORED_ROWS,
  type OptimizationRequest,
  type OptimizationResult,
  type OptimizationRow,
  Subjects,
} from "@jts/contracts";
import { type AppError, MemoryAuditLog, MemoryDocumentStore, MemoryEventBus, memoryRuntime } from "@jts/kit";
import { eventually, silentLogger } from "@jts/kit/testing";
import { type AuthUser, MemoryUserDirectory } from "../auth/users.ts";
import { createGatewayService } from "../service.ts";
import { gatewayClient, gatewayTestSettings } from "../testing/client.ts";
import { BacktestJobs } from "./jobs.ts";
import { OptimizationJobs } from "./optimizations.ts";

const trader = (username: string): AuthUser => ({ username, role: "trader", jti: username, exp: 2 ** 31 });

const optimization: OptimizationRequest = {
  backtest: { kind: "ma-crossover", params: { quantity: "0.1" }, source: { type: "sample" } },
  ranges: { fastPeriod: { values: [5, 10] }, slowPeriod: { values: [30, 60] } },
  method: "grid",
  objective: "sharpe",
};

const backtest: BacktestRequest = {
  kind: "ma-crossover",
  params: { fastPeriod: 10, slowPeriod: 30, quantity: "0.1" },
  source: { type: "sample" },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs ended by hand (or never): `canceled` tells whether the store ended one. */
function manual<Result>() {
  const started: Array<{ finish(result: Result): void; canceled: boolean }> = [];
  const start = (): { result: Promise<Result>; cancel(): void } => {
    let finish!: (result: Result) => void;
    let fail!: (error: Error) => void;
    const result = new Promise<Result>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const entry = { finish, canceled: false };
    started.push(entry);
    return {
      result,
      cancel() {
        entry.canceled = true;
        fail(new Error("canceled"));
      },
    };
  };
  return { started, start };
}

/** A document store as slow to create as a remote one can be. */
class SlowDocuments extends MemoryDocumentStore {
  override async create<Body>(collection: string, name: string, body: Body) {
    await sleep(20);
    return super.create(collection, name, body);
  }
}

/** A plan that waits on I/O first, as a `history` source waits on ClickHouse. */
const slowPlan = (plan: OptimizationPlan, ms: number) => async () => {
  await sleep(ms);
  return plan;
};

function optimizations(options: Partial<ConstructorParameters<typeof OptimizationJobs>[0]> = {}) {
  const runs = manual<OptimizationResult>();
  const jobs = new OptimizationJobs({
    documents: new MemoryDocumentStore(),
    bus: new MemoryEventBus(),
    logger: silentLogger,
    start: (_plan, _workers, _progress): OptimizationRunHandle => runs.start(),
    ...options,
  });
  return { jobs, runs };
}

/** How many of the submissions were accepted, and the codes of the refused. */
async function outcomes(submissions: Array<Promise<unknown>>) {
  const settled = await Promise.allSettled(submissions);
  return {
    accepted: settled.filter((s) => s.status === "fulfilled").length,
    refused: settled.flatMap((s) => (s.status === "rejected" ? [(s.reason as AppError).code] : [])),
  };
}

describe("per-user caps under parallel submissions", () => {
  it("answers 202 to one of 60 parallel POST /api/optimizations from one trader and 429 to the rest, 503 once stopped", async () => {
    const plan = await planRequest(optimization);
    const runtime = memoryRuntime(silentLogger);
    await runtime.rpc.serve(Subjects.accounts, () => []);
    const users = new MemoryUserDirectory();
    await users.add("alice", "alice-password-1", "trader");
    const gateway = createGatewayService(runtime, users, gatewayTestSettings("limits-test-secret-limits-test-secret"), {
      audit: new MemoryAuditLog(),
      optimizations: { plan: slowPlan(plan, 50), start: () => manual<OptimizationResult>().start() },
    });
    await gateway.start();
    const client = gatewayClient(gateway);
    const token = await client.login("alice", "alice-password-1");
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => client.request("/api/optimizations", token, "POST", optimization)),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([202, ...Array(59).fill(429)]);
    await gateway.stop();
    expect((await client.request("/api/optimizations", token, "POST", optimization)).status).toBe(503);
  });

  it("lets one of 60 parallel optimizations from one trader through while planning waits on I/O; the rest are 429", async () => {
    const plan = await planRequest(optimization);
    const { jobs } = optimizations({ plan: slowPlan(plan, 50) });
    const alice = trader("alice");
    const { accepted, refused } = await outcomes(Array.from({ length: 60 }, () => jobs.submit(alice, optimization)));
    expect(accepted).toBe(1);
    expect(refused).toEqual(Array(59).fill("RATE_LIMITED"));
    expect(jobs.list(alice)).toHaveLength(1);
    // Another trader has slots of their own.
    await jobs.submit(trader("bob"), optimization);
    jobs.stop();
  });

  it("counts optimizations still planning against the kept cap too", async () => {
    const plan = await planRequest(optimization);
    const { jobs } = optimizations({ plan: slowPlan(plan, 50), maxPerUser: 100, maxStoredPerUser: 3 });
    const alice = trader("alice");
    const { accepted, refused } = await outcomes(Array.from({ length: 20 }, () => jobs.submit(alice, optimization)));
    expect([accepted, refused.length]).toEqual([3, 17]);
    expect(jobs.list(alice)).toHaveLength(3);
    jobs.stop();
  });

  it("frees the slot of a submission that fails (422), so the trader can submit again", async () => {
    const plan = await planRequest(optimization);
    let calls = 0;
    const { jobs } = optimizations({
      plan: async () => {
        calls++;
        await sleep(10);
        if (calls === 1) return planRequest({ ...optimization, ranges: { nope: { values: [1] } } });
        return plan;
      },
    });
    await expect(jobs.submit(trader("alice"), optimization)).rejects.toThrow("nope is not a ma-crossover parameter");
    await jobs.submit(trader("alice"), optimization);
    jobs.stop();
  });

  it("counts backtests being checked and stored against the caps (a slow document store)", async () => {
    const runs = manual<BacktestResult>();
    const jobs = new BacktestJobs({
      documents: new SlowDocuments(),
      bus: new MemoryEventBus(),
      logger: silentLogger,
      maxPerUser: 2,
      start: (): WorkerRun => runs.start(),
    });
    const alice = trader("alice");
    const { accepted, refused } = await outcomes(Array.from({ length: 10 }, () => jobs.submit(alice, backtest)));
    expect(accepted).toBe(2);
    expect(refused).toEqual(Array(8).fill("RATE_LIMITED"));
    jobs.stop();
  });
});

describe("a stored optimization result", () => {
  it(`keeps the best ${OPTIMIZATION_MAX_STORED_ROWS} rows and says how many there were`, async () => {
    const { jobs, runs } = optimizations({ plan: () => planRequest(optimization) });
    const alice = trader("alice");
    const run = await jobs.submit(alice, optimization);
    await eventually(() => expect(runs.started).toHaveLength(1));
    const total = OPTIMIZATION_MAX_STORED_ROWS + 500;
    const row = (i: number): OptimizationRow => {
      const metrics = {
        netPnl: total - i,
        returnPct: 0,
        maxDrawdownPct: 0,
        sharpe: total - i,
        sortino: null,
        calmar: null,
        fills: 0,
      };
      return {
        params: { fastPeriod: i + 1 },
        inSample: metrics,
        outOfSample: null,
        score: total - i,
        outOfSampleScore: null,
      };
    };
    const rows = Array.from({ length: total }, (_, i) => row(i));
    runs.started[0]?.finish({
      source: "sample",
      symbol: "BTC-KRW",
      bars: 2880,
      objective: "sharpe",
      ranged: ["fastPeriod"],
      skipped: 0,
      skippedReason: null,
      rows,
      windows: [],
      workers: 1,
      elapsedMs: 1,
    });
    const done = await eventually(async () => {
      const stored = await jobs.get(alice, run.id);
      expect(stored.status).toBe("done");
      return stored;
    });
    expect(done.result?.rows).toEqual(rows.slice(0, OPTIMIZATION_MAX_STORED_ROWS));
    expect(done.result?.rowsTotal).toBe(total);
    expect(done.best).toEqual(rows[0] ?? null);
    jobs.stop();
  });
});

describe("a run's wall-clock limit", () => {
  it("ends an optimization that runs past it and marks it failed with the reason", async () => {
    const { jobs, runs } = optimizations({ plan: () => planRequest(optimization), timeoutMs: 50 });
    const alice = trader("alice");
    const run = await jobs.submit(alice, optimization);
    const failed = await eventually(async () => {
      const stored = await jobs.get(alice, run.id);
      expect(stored.status).toBe("failed");
      return stored;
    });
    expect(failed.error).toContain("ran longer than 0.05 s");
    expect(runs.started[0]?.canceled).toBe(true);
    // Ended, it frees the trader's slot.
    await jobs.submit(alice, optimization);
    jobs.stop();
  });

  it("ends a backtest that runs past it", async () => {
    const runs = manual<BacktestResult>();
    const jobs = new BacktestJobs({
      documents: new MemoryDocumentStore(),
      bus: new MemoryEventBus(),
      logger: silentLogger,
      timeoutMs: 50,
      start: (): WorkerRun => runs.start(),
    });
    const alice = trader("alice");
    const run = await jobs.submit(alice, backtest);
    await eventually(async () => expect((await jobs.get(alice, run.id)).error).toContain("ran longer than 0.05 s"));
    expect(runs.started[0]?.canceled).toBe(true);
    jobs.stop();
  });

  it("leaves a run that ends in time alone", async () => {
    const { jobs, runs } = optimizations({ plan: () => planRequest(optimization), timeoutMs: 200 });
    const alice = trader("alice");
    const run = await jobs.submit(alice, optimization);
    await eventually(() => expect(runs.started).toHaveLength(1));
    runs.started[0]?.finish({
      source: "sample",
      symbol: "BTC-KRW",
      bars: 2880,
      objective: "sharpe",
      ranged: ["fastPeriod"],
      skipped: 0,
      skippedReason: null,
      rows: [],
      windows: [],
      workers: 1,
      elapsedMs: 1,
    });
    await eventually(async () => expect((await jobs.get(alice, run.id)).status).toBe("done"));
    await sleep(300);
    expect((await jobs.get(alice, run.id)).status).toBe("done");
    expect(runs.started[0]?.canceled).toBe(false);
    jobs.stop();
  });
});

describe("after stop", () => {
  it("refuses a submission still planning when the store stops (503), and starts nothing", async () => {
    const plan = await planRequest(optimization);
    const { jobs, runs } = optimizations({ plan: slowPlan(plan, 50) });
    const alice = trader("alice");
    const planning = jobs.submit(alice, optimization);
    await sleep(5);
    jobs.stop();
    await expect(planning).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await expect(jobs.submit(alice, optimization)).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await sleep(20);
    expect(runs.started).toEqual([]);
    expect(jobs.list(alice)).toEqual([]);
  });

  it("starts no run that was being stored when the store stopped (it stays queued, failed at the next load)", async () => {
    const { jobs, runs } = optimizations({ plan: () => planRequest(optimization), documents: new SlowDocuments() });
    const alice = trader("alice");
    const storing = jobs.submit(alice, optimization);
    await sleep(10);
    jobs.stop();
    expect((await storing).status).toBe("queued");
    await sleep(20);
    expect(runs.started).toEqual([]);
  });
});
