import { afterAll, beforeAll } from "bun:test";
import { Subjects } from "@jts/contracts";
import { MemoryAuditLog, MemoryDocumentStore, memoryRuntime } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { MemoryUserDirectory } from "../auth/users.ts";
import { createGatewayService, type GatewayOptions } from "../service.ts";
import { FakeSocket } from "../ws/hub-fixture.ts";
import { gatewayClient, gatewayTestSettings } from "./client.ts";

type Gateway = ReturnType<typeof createGatewayService>;

/** The users every job-route test signs in as: two traders, a viewer and an admin. */
const ACCOUNTS = [
  ["alice", "alice-password-1", "trader"],
  ["bob", "bob-password-123", "trader"],
  ["vic", "vic-password-123", "viewer"],
  ["root", "root-password-12", "admin"],
] as const;

/**
 * What the /api/backtests and /api/optimizations tests share: gateways over one
 * document store (so a second gateway sees what the first kept, as after a
 * restart), the four users, their tokens, and the calls. Registers its own
 * beforeAll/afterAll, so call it once at the top of a test file.
 */
export function jobRoutesHarness(jwtSecret: string) {
  const settings = gatewayTestSettings(jwtSecret);
  const users = new MemoryUserDirectory();
  const documents = new MemoryDocumentStore();
  const runtime = memoryRuntime(silentLogger);
  const gateways: Gateway[] = [];
  const tokens = { alice: "", bob: "", vic: "", root: "" };

  beforeAll(async () => {
    // The /ws hub reads a user's accounts when they authenticate.
    await runtime.rpc.serve(Subjects.accounts, () => []);
    for (const [name, password, role] of ACCOUNTS) await users.add(name, password, role);
  }, 60_000);

  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop();
  });

  /** Starts a gateway over the shared store, with these job options. */
  async function startGateway(jobs: Pick<GatewayOptions, "backtests" | "optimizations">): Promise<Gateway> {
    const gateway = createGatewayService(runtime, users, settings, {
      audit: new MemoryAuditLog(),
      documents,
      ...jobs,
    });
    await gateway.start();
    gateways.push(gateway);
    return gateway;
  }

  /** Signs every user in on this gateway; their tokens land in `tokens`. */
  async function loginAll(gateway: Gateway): Promise<void> {
    for (const [name, password] of ACCOUNTS) tokens[name] = await gatewayClient(gateway).login(name, password);
  }

  const call = (gateway: Gateway, path: string, token: string, method = "GET", body?: unknown) =>
    gatewayClient(gateway).request(path, token, method, body);

  /** Opens two /ws sockets, the owner's and another user's, each signed in and subscribed to `backtest:<id>`. */
  async function watchProgress(gateway: Gateway, id: string, ownerToken: string, otherToken: string) {
    const subscribe = async (token: string) => {
      const socket = new FakeSocket();
      gateway.hub.open(socket);
      await gateway.hub.message(socket, JSON.stringify({ op: "auth", token }));
      await gateway.hub.message(socket, JSON.stringify({ op: "subscribe", channels: [`backtest:${id}`] }));
      return socket;
    };
    return { owner: await subscribe(ownerToken), other: await subscribe(otherToken) };
  }

  return { tokens, startGateway, loginAll, call, watchProgress };
}

/**
 * Runs a test ends by hand, for a job store's `start` option: each started run
 * is an entry (with what the store passed it) whose `finish` resolves it and
 * `fail` rejects it; `cancel` from the store marks it `canceled`.
 */
export function manualJobs<Result, Given>() {
  const started: Array<Given & { finish(result: Result): void; fail(error: Error): void; canceled: boolean }> = [];
  const start = (given: Given): { result: Promise<Result>; cancel(): void } => {
    let finish!: (r: Result) => void;
    let fail!: (e: Error) => void;
    const result = new Promise<Result>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const entry = { ...given, finish, fail, canceled: false };
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
