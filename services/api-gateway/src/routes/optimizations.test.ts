import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type OptimizationRunHandle, planRequest, runOptimization } from "@jts/backtest";
import { type OptimizationRequest, type OptimizationResult, type OptimizationRun, Subjects } from "@jts/contracts";
import { MemoryAuditLog, MemoryDocumentStore, memoryRuntime } from "@jts/kit";
import { eventually, readJson, silentLogger } from "@jts/kit/testing";
import { MemoryUserDirectory } from "../auth/users.ts";
import { createGatewayService, type GatewayOptions } from "../service.ts";
import { gatewayClient, gatewayTestSettings } from "../testing/client.ts";
import { FakeSocket, FakeTopics } from "../ws/hub-fixture.ts";

const settings = gatewayTestSettings("optimization-routes-test-secret-optimizations");
const users = new MemoryUserDirectory();
const documents = new MemoryDocumentStore();
const runtime = memoryRuntime(silentLogger);
const gateways: Array<ReturnType<typeof createGatewayService>> = [];
/** The gateways here do not listen: the hub's public frames go to fake sockets' topics. */
const topics = new FakeTopics();

async function startGateway(optimizations: GatewayOptions["optimizations"] = {}) {
  const gateway = createGatewayService(runtime, users, settings, {
    audit: new MemoryAuditLog(),
    documents,
    optimizations,
    wsPublish: topics.publish,
  });
  await gateway.start();
  gateways.push(gateway);
  return gateway;
}

/** Optimizations the test ends by hand: `finish` resolves one, `report` sends progress (done, total). */
function manualRuns() {
  const started: Array<{
    report(done: number, total: number): void;
    finish(result: OptimizationResult): void;
    fail(error: Error): void;
    canceled: boolean;
  }> = [];
  const start = (
    _plan: unknown,
    _workers: number,
    report: (done: number, total: number) => void,
  ): OptimizationRunHandle => {
    let finish!: (r: OptimizationResult) => void;
    let fail!: (e: Error) => void;
    const result = new Promise<OptimizationResult>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const entry = { report, finish, fail, canceled: false };
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

const call = (
  gateway: ReturnType<typeof createGatewayService>,
  path: string,
  token: string,
  method = "GET",
  body?: unknown,
) =>
  gateway.app.handle(
    new Request(`http://localhost${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );

const request: OptimizationRequest = {
  backtest: {
    kind: "ma-crossover",
    // Only the parameter not ranged: the ranged ones come from their ranges.
    params: { quantity: "0.1" },
    source: { type: "sample" },
    fee: "0.0005",
  },
  ranges: { fastPeriod: { values: [5, 10] }, slowPeriod: { min: 30, max: 60, step: 30 } },
  method: "grid",
  objective: "sharpe",
  walkForward: { inSample: 1440, outOfSample: 720 },
};

const tokens = { alice: "", bob: "", vic: "", root: "" };

beforeAll(async () => {
  await runtime.rpc.serve(Subjects.accounts, () => []);
  await users.add("alice", "alice-password-1", "trader");
  await users.add("bob", "bob-password-123", "trader");
  await users.add("vic", "vic-password-123", "viewer");
  await users.add("root", "root-password-12", "admin");
}, 60_000);

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
});

async function loginAll(gateway: ReturnType<typeof createGatewayService>) {
  for (const [name, password] of [
    ["alice", "alice-password-1"],
    ["bob", "bob-password-123"],
    ["vic", "vic-password-123"],
    ["root", "root-password-12"],
  ] as const)
    tokens[name] = await gatewayClient(gateway).login(name, password);
}

describe("/api/optimizations", () => {
  it("runs an optimization on worker threads, with the rows `just optimize` gives for the same inputs", async () => {
    const gateway = await startGateway({ workers: 2 });
    await loginAll(gateway);
    const res = await call(gateway, "/api/optimizations", tokens.alice, "POST", request);
    expect(res.status).toBe(202);
    const queued = (await readJson(res)) as OptimizationRun;
    expect([queued.owner, queued.combinations, queued.runs]).toEqual(["alice", 4, 8]);
    const done = await eventually(async () => {
      const run = (await readJson(
        await call(gateway, `/api/optimizations/${queued.id}`, tokens.alice),
      )) as OptimizationRun;
      expect(run.status).toBe("done");
      return run;
    }, 60_000);
    const direct = await runOptimization(await planRequest(request), 1).result;
    expect(done.result?.rows).toEqual(direct.rows);
    expect(done.result?.windows).toEqual(direct.windows);
    expect(done.result?.workers).toBe(2);
    expect(done.best).toEqual(direct.rows[0] ?? null);
    const list = (await readJson(await call(gateway, "/api/optimizations", tokens.alice))) as OptimizationRun[];
    expect(list.map((r) => r.id)).toContain(queued.id);
    expect(list.every((r) => r.result === undefined)).toBe(true);
    expect(await readJson(await call(gateway, "/api/optimizations", tokens.bob))).toEqual([]);
    await gateway.stop();
  }, 90_000);

  it("answers 422 with the reason for bad ranges before anything runs", async () => {
    const manual = manualRuns();
    const gateway = await startGateway({ start: manual.start });
    await loginAll(gateway);
    const stored = (await readJson(await call(gateway, "/api/optimizations", tokens.alice))) as OptimizationRun[];
    const bad: Array<[unknown, string]> = [
      [{ ...request, ranges: { fastPeriod: { min: 20, max: 5, step: 5 } } }, "min is above max"],
      [{ ...request, ranges: { fastPeriod: { min: 5, max: 20, step: 0 } } }, "step must be greater than zero"],
      [{ ...request, ranges: { period: { values: [5] } } }, "period is not a ma-crossover parameter"],
      [{ ...request, ranges: { fastPeriod: { values: [0, 5] } } }, "fastPeriod = 0"],
      [
        {
          ...request,
          ranges: { fastPeriod: { min: 1, max: 200, step: 1 }, slowPeriod: { min: 300, max: 1000, step: 1 } },
        },
        "more than 10000",
      ],
      [{ ...request, walkForward: { inSample: 5000, outOfSample: 100 } }, "the data holds 2880"],
      [{ ...request, backtest: { ...request.backtest, sizing: "equity:150" } }, "at most 100"],
      [{ ...request, objective: "luck" }, ""],
      [{ ...request, ranges: {} }, "no parameter is ranged"],
    ];
    for (const [body, message] of bad) {
      const res = await call(gateway, "/api/optimizations", tokens.alice, "POST", body);
      const text = await res.text();
      expect([res.status, text.includes(message), text]).toEqual([422, true, text]);
    }
    expect(manual.started).toEqual([]);
    expect(await readJson(await call(gateway, "/api/optimizations", tokens.alice))).toEqual(stored);
    await gateway.stop();
  }, 30_000);

  it("lets viewers read only, owners and admins reach one (403 for another user's), one at once per user (429)", async () => {
    const manual = manualRuns();
    const gateway = await startGateway({ start: manual.start });
    await loginAll(gateway);
    expect((await call(gateway, "/api/optimizations", tokens.vic, "POST", request)).status).toBe(403);
    expect((await call(gateway, "/api/optimizations", tokens.vic)).status).toBe(200);
    const run = (await readJson(
      await call(gateway, "/api/optimizations", tokens.alice, "POST", request),
    )) as OptimizationRun;
    const second = await call(gateway, "/api/optimizations", tokens.alice, "POST", request);
    expect(second.status).toBe(429);
    expect(await second.text()).toContain("at most 1 optimization at once per user");
    expect((await call(gateway, `/api/optimizations/${run.id}`, tokens.bob)).status).toBe(403);
    expect((await call(gateway, `/api/optimizations/${run.id}`, tokens.bob, "DELETE")).status).toBe(403);
    expect((await call(gateway, `/api/optimizations/${run.id}`, tokens.vic, "DELETE")).status).toBe(403);
    expect((await call(gateway, "/api/optimizations/no-such-run", tokens.alice)).status).toBe(404);
    expect((await call(gateway, `/api/optimizations/${run.id}`, tokens.root)).status).toBe(200);
    expect((await readJson(await call(gateway, "/api/optimizations", tokens.bob))) as unknown[]).toEqual([]);
    await eventually(() => expect(manual.started).toHaveLength(1));
    expect((await call(gateway, `/api/optimizations/${run.id}`, tokens.alice, "DELETE")).status).toBe(204);
    expect(manual.started[0]?.canceled).toBe(true);
    expect((await call(gateway, `/api/optimizations/${run.id}`, tokens.alice)).status).toBe(404);
    // Deleted, it no longer counts: alice may start another.
    expect((await call(gateway, "/api/optimizations", tokens.alice, "POST", request)).status).toBe(202);
    await gateway.stop();
  }, 30_000);

  it("streams progress on /ws backtest:<id> to the owner only, once per whole percent", async () => {
    const manual = manualRuns();
    const gateway = await startGateway({ start: manual.start });
    await loginAll(gateway);
    const run = (await readJson(
      await call(gateway, "/api/optimizations", tokens.bob, "POST", request),
    )) as OptimizationRun;
    const owner = new FakeSocket(topics);
    const other = new FakeSocket(topics);
    for (const [socket, token] of [
      [owner, tokens.bob],
      [other, tokens.alice],
    ] as const) {
      gateway.hub.open(socket);
      await gateway.hub.message(socket, JSON.stringify({ op: "auth", token }));
      await gateway.hub.message(socket, JSON.stringify({ op: "subscribe", channels: [`backtest:${run.id}`] }));
    }
    expect(other.last("error")?.code).toBe("FORBIDDEN");
    await eventually(() => expect(manual.started).toHaveLength(1));
    for (let done = 1; done <= 6; done++) manual.started[0]?.report(done, 1000);
    manual.started[0]?.report(500, 1000);
    manual.started[0]?.finish(
      await runOptimization(await planRequest({ ...request, walkForward: undefined }), 1).result,
    );
    await eventually(() => {
      const seen = owner.events(`backtest:${run.id}`).map((e) => e.data as { status: string; progress: number });
      expect(seen.filter((p) => p.progress === 0.5)).toHaveLength(1);
      expect(seen.filter((p) => p.progress > 0 && p.progress < 0.5)).toEqual([]);
      expect(seen.at(-1)).toMatchObject({ status: "done", progress: 1 });
    });
    expect(other.events()).toEqual([]);
    await gateway.stop();
  }, 60_000);
});
