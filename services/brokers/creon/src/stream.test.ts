import { afterEach, describe, expect, it } from "bun:test";
import { SubscriptionLimitError } from "@jts/broker-kit";
import type { Tick } from "@jts/contracts";
import { eventually, silentLogger } from "@jts/kit/testing";
import { CREON_MAX_SUBSCRIPTIONS } from "./constants.ts";
import { CreonStream } from "./stream.ts";
import { FakeCreonBridge } from "./testing/fake-creon.ts";
import { TEST_SECRET } from "./testing/harness.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function bridge() {
  const fake = new FakeCreonBridge({ secret: TEST_SECRET }).start();
  cleanup.push(() => fake.stop());
  return fake;
}

function stream(fake: FakeCreonBridge, secret = TEST_SECRET) {
  const ticks: Tick[] = [];
  const refused: string[] = [];
  const s = new CreonStream({
    baseUrl: fake.url,
    secret,
    logger: silentLogger,
    reconnectMinMs: 20,
    onTicks: (batch) => ticks.push(...batch),
    onExecution: () => {},
    onRefused: (symbol) => refused.push(symbol),
  });
  cleanup.push(() => s.stop());
  return { stream: s, ticks, refused };
}

const symbol = (i: number) => String(100000 + i);

describe("Creon real-time subscriptions", () => {
  it("takes 400 subscriptions and refuses the 401st with a clear error, without asking the bridge", async () => {
    const fake = bridge();
    const { stream: s } = stream(fake);
    s.start();
    await eventually(() => expect(s.connected).toBe(true));
    for (let i = 0; i < CREON_MAX_SUBSCRIPTIONS; i++) s.subscribe(symbol(i));
    await eventually(() => expect(fake.subscriptionsUsed).toBe(400));
    expect(() => s.subscribe("999999")).toThrow(
      new SubscriptionLimitError("Creon allows at most 400 real-time subscriptions; 999999 would be number 401"),
    );
    // Unsubscribing frees a slot.
    s.unsubscribe(symbol(0));
    s.subscribe("999999");
    await eventually(() => expect(fake.subscriptionsUsed).toBe(400));
  });

  it("hears the bridge refuse a subscription beyond its total over all connections", async () => {
    const fake = bridge();
    const first = stream(fake);
    const second = stream(fake);
    first.stream.start();
    second.stream.start();
    await eventually(() => expect(first.stream.connected && second.stream.connected).toBe(true));
    for (let i = 0; i < CREON_MAX_SUBSCRIPTIONS; i++) first.stream.subscribe(symbol(i));
    await eventually(() => expect(fake.subscriptionsUsed).toBe(400));
    second.stream.subscribe("005930");
    await eventually(() => expect(second.refused).toEqual(["005930"]));
    expect(second.stream.subscribed).toBe(0);
  });

  it("reconnects after the bridge drops the socket and subscribes again", async () => {
    const fake = bridge();
    const { stream: s, ticks } = stream(fake);
    s.subscribe("005930");
    s.start();
    await eventually(() => expect(fake.subscriptionsUsed).toBe(1));
    fake.dropSockets();
    await eventually(() => expect(fake.connections).toBe(2));
    await eventually(() => expect(fake.subscriptionsUsed).toBe(1));
    fake.trade("A005930", "71000", "3", "500");
    await eventually(() => expect(ticks.map((t) => t.price)).toEqual(["71000"]));
    expect(s.reconnects).toBeGreaterThanOrEqual(1);
  });

  it("is refused by the bridge with the wrong secret", async () => {
    const fake = bridge();
    const { stream: s } = stream(fake, "not-the-secret-0123456789abcdefgh");
    s.start();
    await Bun.sleep(100);
    expect(s.connected).toBe(false);
    expect(fake.connections).toBe(0);
  });
});
