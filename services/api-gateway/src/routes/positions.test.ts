import { beforeAll, describe, expect, it } from "bun:test";
import { type Account, type Position, Subjects } from "@jts/contracts";
import { memoryRuntime } from "@jts/kit";
import { readJson, silentLogger } from "@jts/kit/testing";
import { UserDirectory } from "../auth/users.ts";
import { createGatewayService } from "../service.ts";
import { gatewayClient, gatewayTestSettings } from "../testing/client.ts";

const position = (account: string, quantity: string): Position => ({
  account,
  symbol: "BTC-KRW",
  venue: "sim",
  quantity,
  averagePrice: "70000",
  realizedPnl: "0",
  unrealizedPnl: "0",
  lastPrice: "70000",
  currency: "KRW",
  updatedAt: "1764236400000000001",
});
const frozen = (positions: Position[]) => Object.freeze(positions.map((p) => Object.freeze(p)));

/** What portfolio-tracker answers next, and what the gateway asked it. */
let answer: readonly Position[] = [];
const asked: unknown[] = [];
let client: ReturnType<typeof gatewayClient>;
let alice = "";

beforeAll(async () => {
  const users = new UserDirectory();
  await users.add("alice", "alice-password-1", "trader");
  const runtime = memoryRuntime(silentLogger);
  const account: Account = {
    id: "acc",
    owner: "alice",
    venue: "sim",
    kind: "CASH",
    baseCurrency: "KRW",
    mode: "PAPER",
    balances: [],
  };
  await runtime.rpc.serve(Subjects.accounts, () => [account]);
  await runtime.rpc.serve(Subjects.positions, async (request) => {
    asked.push(request);
    return answer;
  });
  const gateway = createGatewayService(runtime, users, gatewayTestSettings("positions-test-secret-positions-test-0"));
  client = gatewayClient(gateway);
  alice = await client.login("alice", "alice-password-1");
});

describe("GET /api/positions (routes/json-reply.ts)", () => {
  it("answers the service's positions as JSON, with the security and RateLimit headers of every answer", async () => {
    answer = frozen([position("acc", "2")]);
    const res = await client.request("/api/positions", alice);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json;charset=utf-8");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("ratelimit-limit")).toBe("1000");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(await res.text()).toBe(JSON.stringify(answer));
    expect(asked.at(-1)).toEqual({ accounts: ["acc"] });
  });

  it("writes a frozen reply once, and a new state (a new reply) again", async () => {
    let reads = 0;
    const counted = { ...position("acc", "2") };
    Object.defineProperty(counted, "quantity", {
      enumerable: true,
      get: () => {
        reads++;
        return "2";
      },
    });
    answer = frozen([counted]);
    const first = await (await client.request("/api/positions", alice)).text();
    const readsOnce = reads;
    expect(readsOnce).toBeGreaterThan(0);
    expect(await (await client.request("/api/positions", alice)).text()).toBe(first);
    // Neither checked against the contract nor serialized again: the same object cannot have changed.
    expect(reads).toBe(readsOnce);
    answer = frozen([position("acc", "3")]);
    expect(await readJson(await client.request("/api/positions", alice))).toEqual([position("acc", "3")]);
  });

  it("writes a reply that is not frozen on every request (it may have changed since)", async () => {
    const live = [position("acc", "1")];
    answer = live;
    expect((await readJson(await client.request("/api/positions", alice)))[0].quantity).toBe("1");
    (live[0] as Position).quantity = "4";
    expect((await readJson(await client.request("/api/positions", alice)))[0].quantity).toBe("4");
  });

  it("writes only the fields the contract declares", async () => {
    answer = frozen([{ ...position("acc", "2"), internalNote: "not for clients" } as Position]);
    const body = await readJson(await client.request("/api/positions", alice));
    expect(body).toEqual([position("acc", "2")]);
  });

  it("still refuses a reply that breaks the contract, frozen or not", async () => {
    answer = frozen([{ ...position("acc", "2"), quantity: "two" }]);
    expect((await client.request("/api/positions", alice)).status).toBe(500);
    expect((await client.request("/api/positions", alice)).status).toBe(500);
  });

  it("needs a valid token", async () => {
    expect((await client.request("/api/positions", "not-a-token")).status).toBe(401);
  });
});
