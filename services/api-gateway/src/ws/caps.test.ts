import { afterEach, describe, expect, it } from "bun:test";
import type { WsHub } from "./hub.ts";
import { FakeSocket, hubFixture, orderFor, settle } from "./hub-fixture.ts";

let running: WsHub | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const setup = async (...args: Parameters<typeof hubFixture>) => {
  const fixture = await hubFixture(...args);
  running = fixture.hub;
  return fixture;
};

describe("ws hub caps", () => {
  it("follows a user's account list: an account taken away stops reaching their socket at the next re-read", async () => {
    const owners: Record<string, string[] | null> = { alice: ["acc-a", "acc-b"] };
    const { hub, connect, publishOrder } = await setup(owners, { accountsRefreshMs: 60_000 });
    const socket = await connect("alice:t1", ["orders"]);
    await publishOrder(orderFor("acc-b"));
    await settle();
    expect(socket.events("orders").filter((e) => !e.snapshot)).toHaveLength(1);

    owners.alice = ["acc-a"];
    await hub.refreshAccounts();
    await publishOrder(orderFor("acc-b"));
    await publishOrder(orderFor("acc-a"));
    await settle();
    const live = socket.events("orders").filter((e) => !e.snapshot);
    expect(live.map((e) => (e.data as { account: string }).account)).toEqual(["acc-b", "acc-a"]);
  });

  it("keeps the last known list when a re-read fails", async () => {
    let failing = false;
    const { hub, connect, publishOrder } = await setup(
      { alice: ["acc-a"] },
      {
        accountsOf: async () => {
          if (failing) throw new Error("portfolio down");
          return ["acc-a"];
        },
      },
    );
    const socket = await connect("alice:t1", ["orders"]);
    failing = true;
    await hub.refreshAccounts();
    await publishOrder(orderFor("acc-a"));
    await settle();
    expect(socket.events("orders").filter((e) => !e.snapshot)).toHaveLength(1);
  });

  it("refuses a subscribe past maxChannels and says so, keeping what the socket holds", async () => {
    const { hub, connect } = await setup({ alice: ["acc-a"] }, { maxChannels: 3 });
    const socket = await connect("alice:t1", ["ticker:AAA", "ticker:BBB"]);
    await hub.message(socket, JSON.stringify({ op: "subscribe", channels: ["ticker:AAA", "ticker:CCC"] }));
    expect(socket.last("subscribed")?.channels).toEqual(["ticker:AAA", "ticker:CCC"]);
    socket.clear();
    await hub.message(socket, JSON.stringify({ op: "subscribe", channels: ["ticker:DDD"] }));
    expect(socket.last("error")).toMatchObject({ code: "VALIDATION" });
    expect(socket.last("error")?.message).toContain("at most 3 channels");
    expect(socket.last("subscribed")).toBeUndefined();
    expect(socket.closed).toBeNull();
  });

  it("closes a socket (1009) whose first frame is larger than preAuthFrameBytes, parsed or not", async () => {
    const fixture = await setup({ alice: ["acc-a"] }, { preAuthFrameBytes: 1024 });
    const { hub } = fixture;
    for (const frame of ["x".repeat(2048), { op: "auth", token: "t".repeat(2048) }]) {
      const socket = new FakeSocket();
      hub.open(socket);
      await hub.message(socket, frame);
      expect(socket.closed).toEqual({ code: 1009, reason: "frame too large before authentication" });
    }
    // After authentication the pre-auth bound no longer applies.
    const socket = new FakeSocket();
    hub.open(socket);
    await hub.message(socket, JSON.stringify({ op: "auth", token: "alice:t9" }));
    await hub.message(socket, JSON.stringify({ op: "subscribe", channels: ["ticker:AAA"], pad: "p".repeat(2048) }));
    expect(socket.closed).toBeNull();
  });
});
