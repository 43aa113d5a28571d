import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { runRequest, type WorkerRun } from "@jts/backtest";
import { type BacktestRequest, type BacktestResult, type BacktestRun, Subjects } from "@jts/contracts";
import { MemoryAuditLog, MemoryDocumentStore, memoryRuntime } from "@jts/kit";
import { eventually, readJson, silentLogger } from "@jts/kit/testing";
import { MemoryUserDirectory } from "../auth/users.ts";
import { createGatewayService, type GatewayOptions } from "../service.ts";
import { gatewayClient, gatewayTestSettings } from "../testing/client.ts";
import { FakeSocket, FakeTopics } from "../ws/hub-fixture.ts";

const settings = gatewayTestSettings("backtest-routes-test-secret-backtest-routes");
const users = new MemoryUserDirectory();
const documents = new MemoryDocumentStore();
const runtime = memoryRuntime(silentLogger);
const gateways: Array<ReturnType<typeof createGatewayService>> = [];
/** The gateways here do not listen: the hub's public frames go to fake sockets' topics. */
const topics = new FakeTopics();

async function startGateway(backtests: GatewayOptions["backtests"] = {}) {
  const gateway = createGatewayService(runtime, users, settings, {
    audit: new MemoryAuditLog(),
    documents,
    backtests,
    wsPublish: topics.publish,
  });
  await gateway.start();
  gateways.push(gateway);
  return gateway;
}

/** A run the test ends by hand: `finish` resolves it, `fail` rejects it; `report` sends progress. */
function manualRuns() {
  const started: Array<{
    request: BacktestRequest;
    report(share: number): void;
    finish(result: BacktestResult): void;
    fail(error: Error): void;
    canceled: boolean;
  }> = [];
  const start = (request: BacktestRequest, report: (share: number) => void): WorkerRun => {
    let finish!: (r: BacktestResult) => void;
    let fail!: (e: Error) => void;
    const result = new Promise<BacktestResult>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const entry = { request, report, finish, fail, canceled: false };
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

const login = (gateway: ReturnType<typeof createGatewayService>, username: string, password: string) =>
  gatewayClient(gateway).login(username, password);

const sample: BacktestRequest = {
  kind: "ma-crossover",
  params: { fastPeriod: 10, slowPeriod: 30, quantity: "0.1" },
  source: { type: "sample" },
  fee: "0.0005",
};

const tokens = { alice: "", bob: "", vic: "", root: "" };

beforeAll(async () => {
  // The /ws hub reads a user's accounts when they authenticate.
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
    tokens[name] = await login(gateway, name, password);
}

describe("/api/backtests", () => {
  it("runs a backtest on a worker thread, with the result the runner gives for the same inputs", async () => {
    const gateway = await startGateway();
    await loginAll(gateway);
    const res = await call(gateway, "/api/backtests", tokens.alice, "POST", sample);
    expect(res.status).toBe(202);
    const queued = (await readJson(res)) as BacktestRun;
    expect(queued.owner).toBe("alice");
    const done = await eventually(async () => {
      const run = (await readJson(await call(gateway, `/api/backtests/${queued.id}`, tokens.alice))) as BacktestRun;
      expect(run.status).toBe("done");
      return run;
    }, 30_000);
    const direct = await runRequest(sample);
    expect(done.result).toEqual(direct);
    expect(done.summary).toEqual(direct.summary);
    expect(done.progress).toBe(1);
    const list = (await readJson(await call(gateway, "/api/backtests", tokens.alice))) as BacktestRun[];
    expect(list.map((r) => r.id)).toContain(queued.id);
    expect(list.every((r) => r.result === undefined)).toBe(true);
    expect(await readJson(await call(gateway, "/api/backtests", tokens.bob))).toEqual([]);
    await gateway.stop();
  }, 60_000);

  it("answers 422 for bad input before anything runs", async () => {
    const manual = manualRuns();
    const gateway = await startGateway({ start: manual.start });
    await loginAll(gateway);
    const stored = (await readJson(await call(gateway, "/api/backtests", tokens.alice))) as BacktestRun[];
    const bad: Array<[unknown, string]> = [
      [{ ...sample, params: { fastPeriod: 30, slowPeriod: 10, quantity: "1" } }, "fastPeriod must be below slowPeriod"],
      [{ ...sample, params: { fastPeriod: 10 } }, "slowPeriod"],
      [{ ...sample, sizing: "equity:150" }, "at most 100"],
      [{ ...sample, kind: "martingale" }, ""],
      [{ ...sample, source: { type: "csv", csv: "ts,symbol,price\n1,X,1\n" } }, "CSV header lacks quantity"],
      [
        { ...sample, source: { type: "csv", csv: "ts,symbol,price,quantity\n1,AAPL,1,1\n" } },
        "no instrument definition for AAPL",
      ],
      [{ ...sample, source: { type: "csv", csv: "x".repeat(60_001) } }, ""],
      [
        {
          ...sample,
          source: {
            type: "history",
            symbol: "BTC-KRW",
            interval: "1m",
            from: "2026-11-02T00:00:00Z",
            to: "2026-11-01T00:00:00Z",
          },
        },
        "from must be before",
      ],
    ];
    for (const [body, message] of bad) {
      const res = await call(gateway, "/api/backtests", tokens.alice, "POST", body);
      const text = await res.text();
      expect([res.status, text.includes(message)]).toEqual([422, true]);
    }
    expect(manual.started).toEqual([]);
    const after = (await readJson(await call(gateway, "/api/backtests", tokens.alice))) as BacktestRun[];
    expect(after).toHaveLength(stored.length);
    await gateway.stop();
  }, 30_000);

  it("lets viewers read only, owners and admins reach a run (403 for another user's, 404 for none)", async () => {
    const manual = manualRuns();
    const gateway = await startGateway({ start: manual.start });
    await loginAll(gateway);
    expect((await call(gateway, "/api/backtests", tokens.vic, "POST", sample)).status).toBe(403);
    expect((await call(gateway, "/api/backtests", tokens.vic)).status).toBe(200);
    const run = (await readJson(await call(gateway, "/api/backtests", tokens.alice, "POST", sample))) as BacktestRun;
    expect((await call(gateway, `/api/backtests/${run.id}`, tokens.bob)).status).toBe(403);
    expect((await call(gateway, `/api/backtests/${run.id}`, tokens.bob, "DELETE")).status).toBe(403);
    expect((await call(gateway, `/api/backtests/${run.id}`, tokens.vic, "DELETE")).status).toBe(403);
    expect((await call(gateway, "/api/backtests/no-such-run", tokens.alice)).status).toBe(404);
    expect((await call(gateway, `/api/backtests/${run.id}`, tokens.root)).status).toBe(200);
    expect((await call(gateway, `/api/backtests/${run.id}`, tokens.alice, "DELETE")).status).toBe(204);
    expect(manual.started[0]?.canceled).toBe(true);
    expect((await call(gateway, `/api/backtests/${run.id}`, tokens.alice)).status).toBe(404);
    await gateway.stop();
  }, 30_000);

  it("runs at most maxRunning at once and refuses a user's third at once (429)", async () => {
    const manual = manualRuns();
    const gateway = await startGateway({ start: manual.start, maxRunning: 1, maxPerUser: 2 });
    await loginAll(gateway);
    const first = (await readJson(await call(gateway, "/api/backtests", tokens.alice, "POST", sample))) as BacktestRun;
    const second = (await readJson(await call(gateway, "/api/backtests", tokens.bob, "POST", sample))) as BacktestRun;
    await call(gateway, "/api/backtests", tokens.alice, "POST", sample);
    const third = await call(gateway, "/api/backtests", tokens.alice, "POST", sample);
    expect(third.status).toBe(429);
    expect(manual.started).toHaveLength(1);
    const statusOf = async (id: string, token: string) =>
      ((await readJson(await call(gateway, `/api/backtests/${id}`, token))) as BacktestRun).status;
    await eventually(async () => expect(await statusOf(first.id, tokens.alice)).toBe("running"));
    expect(await statusOf(second.id, tokens.bob)).toBe("queued");
    manual.started[0]?.fail(new Error("the data holds no events for BTC-KRW"));
    await eventually(async () => expect(manual.started).toHaveLength(2));
    expect(await statusOf(first.id, tokens.alice)).toBe("failed");
    await eventually(async () => expect(await statusOf(second.id, tokens.bob)).toBe("running"));
    await gateway.stop();
  }, 30_000);

  it("keeps runs across a restart; one left running is marked failed", async () => {
    const manual = manualRuns();
    const before = await startGateway({ start: manual.start, maxRunning: 2 });
    await loginAll(before);
    const kept = (await readJson(await call(before, "/api/backtests", tokens.bob, "POST", sample))) as BacktestRun;
    const cut = (await readJson(await call(before, "/api/backtests", tokens.bob, "POST", sample))) as BacktestRun;
    const result = await runRequest(sample);
    manual.started[0]?.finish(result);
    await eventually(async () => {
      const run = (await readJson(await call(before, `/api/backtests/${kept.id}`, tokens.bob))) as BacktestRun;
      expect(run.status).toBe("done");
    });
    await before.stop();

    const after = await startGateway();
    await loginAll(after);
    const runs = (await readJson(await call(after, "/api/backtests", tokens.bob))) as BacktestRun[];
    const status = Object.fromEntries(runs.map((r) => [r.id, r.status]));
    expect([status[kept.id], status[cut.id]]).toEqual(["done", "failed"]);
    expect(runs.find((r) => r.id === cut.id)?.error).toContain("interrupted by a gateway restart");
    const reopened = (await readJson(await call(after, `/api/backtests/${kept.id}`, tokens.bob))) as BacktestRun;
    expect(reopened.result).toEqual(result);
    await after.stop();
  }, 30_000);

  it("streams progress on /ws backtest:<id> to the owner only", async () => {
    const manual = manualRuns();
    const gateway = await startGateway({ start: manual.start });
    await loginAll(gateway);
    const run = (await readJson(await call(gateway, "/api/backtests", tokens.alice, "POST", sample))) as BacktestRun;
    const owner = new FakeSocket(topics);
    const other = new FakeSocket(topics);
    for (const [socket, token] of [
      [owner, tokens.alice],
      [other, tokens.bob],
    ] as const) {
      gateway.hub.open(socket);
      await gateway.hub.message(socket, JSON.stringify({ op: "auth", token }));
      await gateway.hub.message(socket, JSON.stringify({ op: "subscribe", channels: [`backtest:${run.id}`] }));
    }
    expect(other.last("error")?.code).toBe("FORBIDDEN");
    expect(owner.last("subscribed")?.channels).toEqual([`backtest:${run.id}`]);
    await eventually(() => expect(manual.started).toHaveLength(1));
    manual.started[0]?.report(0.5);
    manual.started[0]?.finish(await runRequest(sample));
    await eventually(() => {
      const seen = owner.events(`backtest:${run.id}`).map((e) => e.data as { status: string; progress: number });
      expect(seen.some((p) => p.progress === 0.5)).toBe(true);
      expect(seen.at(-1)).toMatchObject({ status: "done", progress: 1 });
    });
    expect(other.events()).toEqual([]);
    await gateway.stop();
  }, 30_000);
});
