import { describe, expect, it } from "bun:test";
import type { AppError } from "../errors.ts";
import { randomServiceToken } from "../service-credential.ts";
import { rpcContract } from "../testing/rpc-contract.ts";
import { serverUrl } from "../testing/servers.ts";
import { connectNats } from "./connect.ts";
import { NatsRpc } from "./rpc.ts";

const url = serverUrl("NATS_URL");

if (url) rpcContract("nats", async () => new NatsRpc(await connectNats(url, "rpc-contract")));
else it.skip("Rpc contract: nats (NATS_URL not set)", () => {});

if (url) {
  describe("NatsRpc service credential", () => {
    it("refuses, without running the handler, a request with a wrong or no credential", async () => {
      const subject = `cred${Math.random().toString(36).slice(2, 8)}`;
      const server = new NatsRpc(await connectNats(url, "rpc-cred-server"), { credential: randomServiceToken() });
      const intruder = new NatsRpc(await connectNats(url, "rpc-cred-intruder"), { credential: randomServiceToken() });
      const bare = await connectNats(url, "rpc-cred-bare");
      let ran = 0;
      try {
        await server.serve(subject, () => ++ran);
        // The server's UNAUTHORIZED is signed with its key, which the intruder cannot check: it is
        // refused as any unverifiable reply is, and the call fails naming the cause.
        const refused = await intruder.request(subject, {}, { timeoutMs: 500 }).catch((e: unknown) => e);
        expect((refused as AppError).code).toBe("UNAVAILABLE");
        expect((refused as AppError).message).toContain("different JTS_SERVICE_TOKEN");
        // A raw NATS request, as anyone on the bus could send, has no envelope at all.
        const raw = JSON.parse(new TextDecoder().decode((await bare.request(subject, "{}")).data));
        expect(raw.ok).toBe(false);
        expect(raw.error.code).toBe("UNAUTHORIZED");
        expect(await server.request(subject, {})).toBe(1);
        expect(ran).toBe(1);
      } finally {
        await Promise.all([server.close(), intruder.close(), bare.drain()]);
      }
    });
  });
}

if (url) {
  describe("NatsRpc and a caller's checked", () => {
    it("never hands it to the server: over the wire every request is checked", async () => {
      const subject = `checked${Math.random().toString(36).slice(2, 8)}`;
      const credential = randomServiceToken();
      const server = new NatsRpc(await connectNats(url, "rpc-checked-server"), { credential });
      const client = new NatsRpc(await connectNats(url, "rpc-checked-client"), { credential });
      try {
        await server.serve(subject, (_request, context) => context.checked ?? null);
        expect(await client.request(subject, {}, { checked: true })).toBeNull();
      } finally {
        await Promise.all([server.close(), client.close()]);
      }
    });
  });
}

if (url) {
  describe("NatsRpc answers larger than the bus carries", () => {
    it("fail at once with PAYLOAD_TOO_LARGE naming the size, never as a timeout (GET /api/candles?limit=5000)", async () => {
      const subject = `big${Math.random().toString(36).slice(2, 8)}`;
      const credential = randomServiceToken();
      const server = new NatsRpc(await connectNats(url, "rpc-big-server"), { credential });
      const client = new NatsRpc(await connectNats(url, "rpc-big-client"), { credential });
      // 5000 one-minute candles as the collector answers them: about 1.2 MB, past NATS's 1 MiB default.
      const candle = {
        symbol: "BTC-USDT",
        venue: "binance",
        interval: "1m",
        tsOpen: "1796392679999999999",
        open: "96123.45000000",
        high: "96188.12000000",
        low: "96011.01000000",
        close: "96100.00000000",
        volume: "12.34567890",
        trades: 1234,
        closed: true,
      };
      try {
        await server.serve(subject, (request) => Array.from({ length: (request as { n: number }).n }, () => candle));
        const started = Date.now();
        const refused = await client.request(subject, { n: 5000 }, { timeoutMs: 5000 }).catch((e: unknown) => e);
        expect((refused as AppError).code).toBe("PAYLOAD_TOO_LARGE");
        expect((refused as AppError).message).toContain("ask for less");
        expect(Date.now() - started).toBeLessThan(2000);
        // The server still answers what fits.
        expect(await client.request<unknown[]>(subject, { n: 100 })).toHaveLength(100);
      } finally {
        await Promise.all([server.close(), client.close()]);
      }
    });
  });
}
