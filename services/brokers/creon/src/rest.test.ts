import { afterEach, describe, expect, it } from "bun:test";
import { MemoryRateLimiter } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { signature, signedHeaders } from "./auth.ts";
import { CreonBridgeClient } from "./rest.ts";
import { FakeCreonBridge } from "./testing/fake-creon.ts";
import { TEST_SECRET } from "./testing/harness.ts";

let fake: FakeCreonBridge | undefined;
afterEach(async () => {
  await fake?.stop();
});

const order = (i: number) => ({
  clientOrderId: `o${i}`,
  account: "12345678",
  productCode: "01",
  side: "BUY" as const,
  code: "A005930",
  quantity: "1",
  price: "71000",
  orderType: "LIMIT" as const,
  condition: "NONE" as const,
});

/** Most calls whose times fall in any window of `windowMs`. */
function busiest(times: number[], windowMs: number): number {
  let most = 0;
  for (const start of times) most = Math.max(most, times.filter((t) => t >= start && t < start + windowMs).length);
  return most;
}

describe("bridge authentication", () => {
  it("signs timestamp, nonce, method, path with query and body hash", () => {
    const expected = new Bun.CryptoHasher("sha256", "k")
      .update(`1\nn\nGET\n/v1/orders?open=true\n${new Bun.CryptoHasher("sha256").update("").digest("hex")}`)
      .digest("hex");
    expect(signature("k", "1", "n", "get", "/v1/orders?open=true", "")).toBe(expected);
  });

  it("is refused without a valid signature, with a stale timestamp or a replayed nonce", async () => {
    fake = new FakeCreonBridge({ secret: TEST_SECRET }).start();
    const get = (headers: Record<string, string>) => fetch(`${fake?.url}/v1/balance`, { headers });
    expect((await get({})).status).toBe(401);
    expect((await get(signedHeaders("wrong-secret", "GET", "/v1/balance", ""))).status).toBe(401);
    expect((await get(signedHeaders(TEST_SECRET, "GET", "/v1/balance", "", Date.now() - 60_000))).status).toBe(401);
    const headers = signedHeaders(TEST_SECRET, "GET", "/v1/balance", "");
    expect((await get(headers)).status).toBe(200);
    const replay = await get(headers);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ error: { code: "UNAUTHORIZED", message: "nonce already used" } });
  });
});

describe("Creon request limits", () => {
  it("keeps orders to 20 and queries to 60 in any 15 s, and uses the windows fully", async () => {
    // The bridge's own limits are off here; the client's limiter runs on a clock the test moves.
    fake = new FakeCreonBridge({
      secret: TEST_SECRET,
      tradeLimit: { limit: Number.POSITIVE_INFINITY, windowMs: 1 },
      queryLimit: { limit: Number.POSITIVE_INFINITY, windowMs: 1 },
    }).start();
    let clock = 1_000_000;
    const sent: Record<"trade" | "query", number[]> = { trade: [], query: [] };
    const client = new CreonBridgeClient({
      baseUrl: fake.url,
      secret: TEST_SECRET,
      limiter: new MemoryRateLimiter(() => clock),
      logger: silentLogger,
      sleep: async (ms) => {
        clock += ms;
      },
      fetch: (url, init) => {
        sent[new URL(url).pathname.startsWith("/v1/quotes/") ? "query" : "trade"].push(clock);
        return fetch(url, init);
      },
    });
    for (let i = 0; i < 45; i++) await client.placeOrder(order(i));
    expect(busiest(sent.trade, 15_000)).toBe(20);
    // 45 orders need three windows: 20 at once, 20 after 15.1 s, 5 after 30.2 s.
    expect((sent.trade.at(-1) as number) - (sent.trade[0] as number)).toBe(30_200);

    clock += 60_000;
    for (let i = 0; i < 130; i++) await client.quote("A005930");
    expect(busiest(sent.query, 15_000)).toBe(60);
    expect((sent.query.at(-1) as number) - (sent.query[0] as number)).toBe(30_200);
  });

  it("waits as long as the bridge says when Creon's limit is spent", async () => {
    fake = new FakeCreonBridge({ secret: TEST_SECRET, tradeLimit: { limit: 2, windowMs: 300 } }).start();
    const waits: number[] = [];
    const client = new CreonBridgeClient({
      baseUrl: fake.url,
      secret: TEST_SECRET,
      limiter: new MemoryRateLimiter(),
      logger: silentLogger,
      sleep: async (ms) => {
        waits.push(ms);
        await Bun.sleep(ms);
      },
    });
    const started = performance.now();
    for (let i = 0; i < 3; i++) await client.placeOrder(order(i));
    expect(fake.requests.map((r) => r.status)).toEqual([200, 200, 429, 200]);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
  });
});
