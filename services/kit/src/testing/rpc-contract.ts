import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { RpcTransport } from "@jts/contracts";
import { AppError } from "../errors.ts";

/** The one suite every RpcTransport adapter passes (in-process, NATS). */
export function rpcContract(name: string, createRpc: () => Promise<RpcTransport>) {
  describe(`Rpc contract: ${name}`, () => {
    let rpc: RpcTransport;
    let s: string;
    beforeEach(async () => {
      rpc = await createRpc();
      s = `s${Math.random().toString(36).slice(2, 8)}`;
    });
    afterEach(async () => {
      await rpc.close();
    });

    it("returns the handler's reply", async () => {
      await rpc.serve(`${s}.add`, (req) => {
        const { a, b } = req as { a: number; b: number };
        return { sum: a + b };
      });
      expect(await rpc.request(`${s}.add`, { a: 2, b: 3 })).toEqual({ sum: 5 });
    });

    it("passes the caller's actor beside the payload, never inside it", async () => {
      const seen: unknown[] = [];
      await rpc.serve(`${s}.who`, (req, context) => {
        seen.push([req, context.actor ?? null]);
        return "ok";
      });
      await rpc.request(`${s}.who`, { n: 1 }, { actor: "alice" });
      await rpc.request(`${s}.who`, { n: 2 });
      expect(seen).toEqual([
        [{ n: 1 }, "alice"],
        [{ n: 2 }, null],
      ]);
    });

    it("carries a domain error's code and message back to the caller", async () => {
      await rpc.serve(`${s}.fail`, () => {
        throw new AppError("CONFLICT", "already exists", { id: "x" });
      });
      const error = await rpc.request(`${s}.fail`, {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("CONFLICT");
      expect((error as AppError).message).toBe("already exists");
      expect((error as AppError).status).toBe(409);
    });

    it("answers UNAVAILABLE when nobody serves the subject", async () => {
      const error = await rpc.request(`${s}.nobody`, {}, { timeoutMs: 500 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("UNAVAILABLE");
    });

    it("answers TIMEOUT when the handler is too slow", async () => {
      await rpc.serve(`${s}.slow`, async () => {
        await Bun.sleep(500);
        return "late";
      });
      const error = await rpc.request(`${s}.slow`, {}, { timeoutMs: 50 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("TIMEOUT");
    });

    it("shares requests between the servers of one subject", async () => {
      const served = { a: 0, b: 0 };
      await rpc.serve(`${s}.shared`, () => ++served.a);
      await rpc.serve(`${s}.shared`, () => ++served.b);
      for (let i = 0; i < 20; i++) await rpc.request(`${s}.shared`, {});
      expect(served.a + served.b).toBe(20);
      expect(served.a).toBeGreaterThan(0);
      expect(served.b).toBeGreaterThan(0);
    });

    it("stops answering after unsubscribe", async () => {
      const sub = await rpc.serve(`${s}.gone`, () => "here");
      expect(await rpc.request<string>(`${s}.gone`, {})).toBe("here");
      await sub.unsubscribe();
      const error = await rpc.request(`${s}.gone`, {}, { timeoutMs: 300 }).catch((e: unknown) => e);
      expect((error as AppError).code).toBe("UNAVAILABLE");
    });
  });
}
