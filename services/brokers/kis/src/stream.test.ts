import { afterEach, describe, expect, it } from "bun:test";
import { SubscriptionLimitError } from "@jts/broker-kit";
import type { Tick } from "@jts/contracts";
import { eventually, silentLogger } from "@jts/kit/testing";
import { fetchApprovalKey } from "./auth.ts";
import { KIS_MAX_REGISTRATIONS } from "./constants.ts";
import { KisStream } from "./stream.ts";
import { type FakeKis, tradeRecord } from "./testing/fake-kis.ts";
import { kisHarness } from "./testing/harness.ts";

let fake: FakeKis | undefined;
let stream: KisStream | undefined;
afterEach(async () => {
  stream?.stop();
  await fake?.stop();
});

const trade = (time: string, price: string, cumulativeVolume: string) =>
  tradeRecord({ symbol: "005930", time, price, volume: "5", cumulativeVolume, side: "1", date: "20261127" });

function open() {
  const h = kisHarness("paper");
  fake = h.fake;
  const ticks: Tick[] = [];
  stream = new KisStream({
    url: h.settings.wsUrl,
    approvalKey: () => fetchApprovalKey(h.settings, h.http),
    onTicks: (batch) => ticks.push(...batch),
    logger: silentLogger,
    reconnectMinMs: 20,
  });
  return { fake: h.fake, stream, ticks };
}

describe("KIS real-time stream", () => {
  it("registers symbols, turns trade frames into ticks and echoes PINGPONG", async () => {
    const { fake, stream, ticks } = open();
    stream.subscribe("005930");
    stream.start();
    await eventually(() => expect([...fake.subscriptions.values()][0]?.has("005930")).toBe(true));
    fake.pushTrades("005930", [trade("090001", "71000", "100"), trade("090002", "71100", "105")]);
    await eventually(() =>
      expect(ticks.map((t) => [t.price, t.tradeId])).toEqual([
        ["71000", "20261127-100"],
        ["71100", "20261127-105"],
      ]),
    );
    fake.ping();
    await eventually(() => expect(fake.pongs).toHaveLength(1));
    expect(JSON.parse(fake.pongs[0] as string).header.tr_id).toBe("PINGPONG");
  });

  it("reconnects after a dropped socket and registers its symbols again", async () => {
    const { fake, stream, ticks } = open();
    stream.subscribe("005930");
    stream.start();
    await eventually(() => expect([...fake.subscriptions.values()][0]?.has("005930")).toBe(true));
    fake.dropSockets();
    await eventually(() => expect(fake.connections).toBe(2));
    await eventually(() => expect([...fake.subscriptions.values()][0]?.has("005930")).toBe(true));
    expect(stream.reconnects).toBeGreaterThanOrEqual(1);
    fake.pushTrades("005930", [trade("090500", "71200", "300")]);
    await eventually(() => expect(ticks.map((t) => t.price)).toEqual(["71200"]));
    // Each connection gets its own approval key.
    expect(fake.requests.filter((r) => r.path === "/oauth2/Approval")).toHaveLength(2);
  });

  it("gets a new approval key and registers again when KIS refuses the old one", async () => {
    const { fake, stream, ticks } = open();
    stream.subscribe("005930");
    stream.start();
    await eventually(() => expect(fake.connections).toBe(1));
    await eventually(() => expect([...fake.subscriptions.values()][0]?.has("005930")).toBe(true));
    fake.expireApprovals();
    stream.subscribe("000660");
    await eventually(() => expect(fake.connections).toBe(2));
    await eventually(() =>
      expect([...([...fake.subscriptions.values()][0] ?? [])].sort()).toEqual(["000660", "005930"]),
    );
    fake.pushTrades("000660", [
      tradeRecord({
        symbol: "000660",
        time: "090001",
        price: "180000",
        volume: "2",
        cumulativeVolume: "40",
        side: "5",
        date: "20261127",
      }),
    ]);
    await eventually(() => expect(ticks.map((t) => [t.symbol, t.aggressor])).toEqual([["000660", "SELL"]]));
  });

  it("refuses more registrations than KIS allows per app key", () => {
    const { stream } = open();
    for (let i = 0; i < KIS_MAX_REGISTRATIONS; i++) stream.subscribe(String(100000 + i));
    expect(() => stream.subscribe("999999")).toThrow(SubscriptionLimitError);
  });
});
