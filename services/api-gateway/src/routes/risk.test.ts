import { beforeAll, describe, expect, it } from "bun:test";
import type { Account, RiskLimitsView, RiskStatus } from "@jts/contracts";
import { MemoryAuditLog, memoryRuntime } from "@jts/kit";
import { readJson, silentLogger } from "@jts/kit/testing";
import { MemoryUserDirectory } from "../auth/users.ts";
import { createGatewayService } from "../service.ts";
import { gatewayClient, gatewayTestSettings } from "../testing/client.ts";

const settings = gatewayTestSettings("risk-routes-test-secret-risk-routes-test");
const users = new MemoryUserDirectory();
const audit = new MemoryAuditLog();
const runtime = memoryRuntime(silentLogger);
const gateway = createGatewayService(runtime, users, settings, { audit });

const limits = { maxOrderNotional: "1000", maxPositionNotional: "2000" };
const accountStatus = (account: string) => ({
  account,
  state: "ACTIVE" as const,
  reason: "",
  updatedAt: "1",
  limits,
  dailyPnl: "0",
  drawdown: "0",
  grossExposure: "0",
});
const status: RiskStatus = {
  state: "ACTIVE",
  limits,
  reason: "start",
  updatedAt: "1",
  accounts: [accountStatus("acc-alice"), accountStatus("acc-bob")],
};
/** What the risk service was asked, per subject. */
const asked: Record<string, unknown[]> = { "risk.set-state": [], "risk.set-limits": [], "risk.limits.get": [] };

const { request, login } = gatewayClient(gateway);

let alice = "";
let viewer = "";
let root = "";

beforeAll(async () => {
  await users.add("alice", "alice-password-1", "trader");
  await users.add("vic", "vic-password-123", "viewer");
  await users.add("root", "root-password-12", "admin");
  const accounts: Account[] = [
    { id: "acc-alice", owner: "alice", venue: "sim", kind: "CASH", baseCurrency: "KRW", mode: "PAPER", balances: [] },
    { id: "acc-bob", owner: "bob", venue: "sim", kind: "CASH", baseCurrency: "KRW", mode: "PAPER", balances: [] },
  ];
  await runtime.rpc.serve("portfolio.accounts", (req) => {
    const { owner, accounts: ids } = req as { owner?: string; accounts?: string[] };
    return accounts.filter((a) => (owner === undefined || a.owner === owner) && (!ids || ids.includes(a.id)));
  });
  await runtime.rpc.serve("risk.status", () => status);
  for (const subject of ["risk.set-state", "risk.set-limits"] as const)
    await runtime.rpc.serve(subject, (req, { actor }) => {
      asked[subject]?.push({ request: req, actor });
      return status;
    });
  await runtime.rpc.serve("risk.limits.get", (req) => {
    asked["risk.limits.get"]?.push(req);
    const account = (req as { account?: string }).account ?? null;
    return { account, limits: null, effective: limits, symbols: [] } satisfies RiskLimitsView;
  });
  alice = await login("alice", "alice-password-1");
  viewer = await login("vic", "vic-password-123");
  root = await login("root", "root-password-12");
});

describe("gateway risk routes", () => {
  it("shows a trader only their own accounts' risk state, an admin all", async () => {
    const mine = (await readJson(await request("/api/risk", alice))) as RiskStatus;
    expect(mine.accounts?.map((a) => a.account)).toEqual(["acc-alice"]);
    const all = (await readJson(await request("/api/risk", root))) as RiskStatus;
    expect(all.accounts?.map((a) => a.account)).toEqual(["acc-alice", "acc-bob"]);
    expect((await request("/api/risk", viewer)).status).toBe(200);
  });

  it("lets a trader halt their own account with cancelOpenOrders, not another's, and not resume", async () => {
    const halt = await request("/api/risk/state", alice, "PUT", {
      state: "HALTED",
      account: "acc-alice",
      cancelOpenOrders: true,
    });
    expect(halt.status).toBe(200);
    expect(asked["risk.set-state"]?.at(-1)).toMatchObject({
      request: { state: "HALTED", account: "acc-alice", cancelOpenOrders: true },
      actor: "alice",
    });
    expect((await request("/api/risk/state", alice, "PUT", { state: "HALTED", account: "acc-bob" })).status).toBe(403);
    expect((await request("/api/risk/state", alice, "PUT", { state: "ACTIVE", account: "acc-alice" })).status).toBe(
      403,
    );
    expect((await request("/api/risk/state", viewer, "PUT", { state: "HALTED" })).status).toBe(403);
  });

  it("keeps the platform-wide kill switch for admins: a trader without an account is refused, nothing is halted", async () => {
    const before = asked["risk.set-state"]?.length;
    for (const account of [undefined, null]) {
      const res = await request("/api/risk/state", alice, "PUT", { state: "HALTED", account, cancelOpenOrders: true });
      expect(res.status).toBe(403);
      expect((await readJson(res)).error.message).toContain("only an admin halts the whole platform");
    }
    expect(asked["risk.set-state"]?.length).toBe(before);
    expect((await request("/api/risk/state", root, "PUT", { state: "HALTED", cancelOpenOrders: true })).status).toBe(
      200,
    );
    expect(asked["risk.set-state"]?.at(-1)).toMatchObject({
      request: { state: "HALTED", account: null },
      actor: "root",
    });
    expect((await request("/api/risk/state", root, "PUT", { state: "ACTIVE", account: "acc-alice" })).status).toBe(200);
  });

  it("changes limits per account and instrument only for an admin, and audits who did it", async () => {
    const body = { account: "acc-alice", symbol: "BTC-KRW", limits: { maxOrderNotional: "5000000" } };
    expect((await request("/api/risk/limits", alice, "PUT", body)).status).toBe(403);
    expect((await request("/api/risk/limits", root, "PUT", body)).status).toBe(200);
    expect(asked["risk.set-limits"]?.at(-1)).toEqual({ request: body, actor: "root" });
    await Bun.sleep(10);
    const entries = await audit.list({ actor: "root" });
    expect(entries.find((e) => e.action === "risk.set-limits")).toMatchObject({ details: { status: 200 } });
  });

  it("answers 404 for limits of an account that does not exist, without asking the risk service", async () => {
    const before = asked["risk.set-limits"]?.length;
    const res = await request("/api/risk/limits", root, "PUT", {
      account: "acc-nobody",
      limits: { maxOrderNotional: "5000000" },
    });
    expect(res.status).toBe(404);
    expect((await readJson(res)).error.message).toContain("acc-nobody");
    expect(asked["risk.set-limits"]?.length).toBe(before);
  });

  it("answers bad limits with a 422, not a crash", async () => {
    const bad = await request("/api/risk/limits", root, "PUT", { limits: { maxOrderNotional: "-5" } });
    expect(bad.status).toBe(422);
    const unknownField = await request("/api/risk/limits", root, "PUT", {
      limits: { accountSubmitRate: { limit: 0 } },
    });
    expect(unknownField.status).toBe(422);
  });

  it("reads an account's limits for its owner and refuses a foreign account", async () => {
    const res = await request("/api/risk/limits?account=acc-alice", alice);
    expect(res.status).toBe(200);
    expect(await readJson(res)).toMatchObject({ account: "acc-alice", limits: null });
    expect((await request("/api/risk/limits?account=acc-bob", alice)).status).toBe(403);
    expect((await request("/api/risk/limits", viewer)).status).toBe(200);
  });
});
