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

describe("ws hub authentication", () => {
  it("closes every socket of a revoked token with 4401 and leaves other tokens' and users' sockets open", async () => {
    const { hub, connect, publishOrder } = await setup({ alice: ["acc-a"], bob: ["acc-b"] });
    const revoked = [await connect("alice:t1", ["orders"]), await connect("alice:t1", ["orders"])];
    const sameUserOtherToken = await connect("alice:t2", ["orders"]);
    const otherUser = await connect("bob:b1", ["orders"]);

    expect(hub.revokeToken("t1")).toBe(2);
    for (const socket of revoked) {
      expect(socket.closed).toEqual({ code: 4401, reason: "token revoked" });
      expect(socket.last("error")).toMatchObject({ code: "UNAUTHORIZED", message: "token revoked" });
    }
    expect(sameUserOtherToken.closed).toBeNull();
    expect(otherUser.closed).toBeNull();
    expect(hub.size).toBe(2);

    await publishOrder(orderFor("acc-a"));
    await settle();
    expect(sameUserOtherToken.events("orders").filter((e) => !e.snapshot)).toHaveLength(1);
    expect(revoked[0]?.events("orders").filter((e) => !e.snapshot)).toHaveLength(0);
  });

  it("closes a socket with 4401 when its token expires", async () => {
    const { hub, connect } = await setup({ alice: ["acc-a"], bob: ["acc-b"] }, {}, (user) =>
      user === "alice" ? (Date.now() + 40) / 1000 : Date.now() / 1000 + 3600,
    );
    const alice = await connect("alice:t1", ["orders"]);
    const bob = await connect("bob:t1", ["orders"]);
    expect(alice.closed).toBeNull();
    await Bun.sleep(80);
    expect(alice.closed).toEqual({ code: 4401, reason: "token expired" });
    expect(bob.closed).toBeNull();
    expect(hub.size).toBe(1);
  });

  it("lets a fresh token for the same user extend a socket, and closes it for another user's token", async () => {
    // Alice's first token lives 500 ms from when it is checked (not from when the test starts, so a slow
    // connect on a loaded machine cannot expire it early); her second one an hour.
    let aliceTtlMs = 500;
    const { connect, hub } = await setup({ alice: ["acc-a"], bob: ["acc-b"] }, {}, (user) =>
      user === "alice" ? (Date.now() + aliceTtlMs) / 1000 : Date.now() / 1000 + 3600,
    );
    const socket = await connect("alice:t1", ["orders"]);
    aliceTtlMs = 3_600_000;
    await hub.message(socket, JSON.stringify({ op: "auth", token: "alice:t2" }));
    await Bun.sleep(700); // past the first token's expiry
    expect(socket.closed).toBeNull();
    expect(hub.revokeToken("t1")).toBe(0);

    await hub.message(socket, JSON.stringify({ op: "auth", token: "bob:t1" }));
    expect(socket.closed?.code).toBe(4401);
  });

  it("refuses a subscribe before auth, a bad token, and a socket that never authenticates, with 4401", async () => {
    const fixture = await setup({ alice: ["acc-a"] }, { authTimeoutMs: 20 });
    const { hub } = fixture;
    const early = new FakeSocket();
    hub.open(early);
    await hub.message(early, JSON.stringify({ op: "subscribe", channels: ["orders"] }));
    expect(early.closed?.code).toBe(4401);

    const badToken = new FakeSocket();
    hub.open(badToken);
    await hub.message(badToken, JSON.stringify({ op: "auth", token: "mallory:x" }));
    expect(badToken.closed?.code).toBe(4401);

    const silent = new FakeSocket();
    hub.open(silent);
    await Bun.sleep(50);
    expect(silent.closed?.code).toBe(4401);
    expect(hub.size).toBe(0);
  });

  it("checks the session on every message: one that ended elsewhere closes the socket at its next message", async () => {
    // Another gateway process ended alice's session: this hub learns it only by asking.
    const ended = new Set<string>();
    const { connect, hub } = await setup(
      { alice: ["acc-a"], bob: ["acc-b"] },
      {
        isCurrent: async (user) => !ended.has(user.username),
      },
    );
    const alice = await connect("alice:t1", ["orders"]);
    const bob = await connect("bob:t1", ["orders"]);
    ended.add("alice");
    await hub.message(alice, JSON.stringify({ op: "subscribe", channels: ["fills"] }));
    expect(alice.closed).toEqual({ code: 4401, reason: "session ended" });
    expect(alice.last("subscribed")).toMatchObject({ channels: ["orders"] });
    await hub.message(bob, JSON.stringify({ op: "subscribe", channels: ["fills"] }));
    expect(bob.closed).toBeNull();
  });

  it("closes every socket of a user or of a session on revokeUser / revokeSession", async () => {
    const fixture = await setup({ alice: ["acc-a"], bob: ["acc-b"] });
    const { hub } = fixture;
    const { connect } = fixture;
    const a1 = await connect("alice:t1:s1");
    const a2 = await connect("alice:t2:s2");
    const b1 = await connect("bob:t3:s3");
    expect(hub.revokeSession("s1")).toBe(1);
    expect(a1.closed?.code).toBe(4401);
    expect(a2.closed).toBeNull();
    expect(hub.revokeUser("alice")).toBe(1);
    expect(a2.closed).toEqual({ code: 4401, reason: "sessions of this user were ended" });
    expect(b1.closed).toBeNull();
  });

  it("answers ping with pong before and after auth", async () => {
    const fixture = await setup({ alice: ["acc-a"] });
    const { hub, connect } = fixture;
    const fresh = new FakeSocket();
    hub.open(fresh);
    await hub.message(fresh, JSON.stringify({ op: "ping" }));
    expect(fresh.messages).toEqual([{ op: "pong" }]);
    const authed = await connect("alice:t1");
    await hub.message(authed, JSON.stringify({ op: "ping" }));
    expect(authed.last("pong")).toEqual({ op: "pong" });
  });
});
