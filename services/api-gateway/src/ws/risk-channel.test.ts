import { describe, expect, it } from "bun:test";
import { EventTypes, type RiskStatus, Subjects, Topics, type TradingStateChange } from "@jts/contracts";
import { envelope, memoryRuntime, rpcClient } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import type { AuthUser } from "../auth/users.ts";
import { WsHub } from "./hub.ts";
import { FakeSocket, settle } from "./hub-fixture.ts";

const account = (id: string) => ({
  account: id,
  state: "ACTIVE" as const,
  reason: "",
  updatedAt: "1",
  limits: { maxOrderNotional: "1", maxPositionNotional: "1" },
  dailyPnl: "-5",
  drawdown: "5",
  grossExposure: "10",
});
const status: RiskStatus = {
  state: "ACTIVE",
  limits: { maxOrderNotional: "1", maxPositionNotional: "1" },
  reason: "",
  updatedAt: "1",
  accounts: [account("acc-alice"), account("acc-bob")],
};
const owners: Record<string, string[] | null> = { alice: ["acc-alice"], root: null };

describe("ws risk channel", () => {
  it("gives every user the platform state but only their own accounts' risk, in the snapshot and live", async () => {
    const runtime = memoryRuntime(silentLogger);
    await runtime.rpc.serve(Subjects.riskStatus, () => status);
    const hub = new WsHub(runtime.bus, rpcClient(runtime.rpc, 500), runtime.logger, {
      authenticate: async (token): Promise<AuthUser | null> => {
        const username = token.split(":")[0] as string;
        if (!(username in owners)) return null;
        const role = owners[username] === null ? "admin" : "trader";
        return { username, role, jti: token, exp: Math.floor(Date.now() / 1000) + 600 };
      },
      accountsOf: async (user) => owners[user.username] ?? null,
    });
    await hub.start();
    const connect = async (token: string) => {
      const socket = new FakeSocket();
      hub.open(socket);
      await hub.message(socket, JSON.stringify({ op: "auth", token }));
      await hub.message(socket, JSON.stringify({ op: "subscribe", channels: ["risk"] }));
      return socket;
    };
    const alice = await connect("alice:1");
    const root = await connect("root:1");
    const change: TradingStateChange = {
      account: "acc-bob",
      state: "HALTED",
      previous: "ACTIVE",
      reason: "x",
      changedBy: "root",
      cancelOpenOrders: true,
      tsEvent: "2",
    };
    await runtime.bus.publish(Topics.tradingState, envelope(EventTypes.tradingState, "test", "acc-bob", change));
    await settle();
    await Bun.sleep(20);
    const seen = (socket: FakeSocket) =>
      socket.events("risk").map((e) => (e.data as RiskStatus).accounts?.map((a) => a.account));
    expect(seen(alice)).toEqual([["acc-alice"], ["acc-alice"]]);
    expect(seen(root)).toEqual([
      ["acc-alice", "acc-bob"],
      ["acc-alice", "acc-bob"],
    ]);
    await hub.stop();
  });
});
