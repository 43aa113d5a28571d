import { afterEach, describe, expect, it } from "bun:test";
import { Subjects } from "@jts/contracts";
import { memoryRuntime } from "@jts/kit";
import { silentLogger } from "@jts/kit/testing";
import { loadUpbitConfig } from "./config.ts";
import { createUpbitService } from "./service.ts";
import { FakeUpbit } from "./testing/fake-upbit.ts";

describe("Upbit service wiring", () => {
  let fake: FakeUpbit | undefined;
  afterEach(() => fake?.stop());

  it("reads credentials, URLs and the order rate from the environment and serves the broker contract", async () => {
    fake = new FakeUpbit().start();
    const config = loadUpbitConfig({
      UPBIT_ACCESS_KEY: fake.accessKey,
      UPBIT_SECRET_KEY: fake.secretKey,
      UPBIT_BASE_URL: fake.url,
      UPBIT_WS_URL: fake.wsUrl,
      UPBIT_ORDER_RATE: "8",
    });
    const runtime = memoryRuntime(silentLogger);
    const { service, gate } = createUpbitService(runtime, config);
    expect(gate.keyOf("order")).not.toContain(fake.accessKey);
    await service.start();
    try {
      const balances = await runtime.rpc.request(Subjects.brokerBalances("upbit"), { account: "upbit" });
      expect(balances).toHaveLength(2);
    } finally {
      await service.stop();
    }
  });
});
