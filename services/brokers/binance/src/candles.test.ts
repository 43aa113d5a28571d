import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RateGate } from "@jts/broker-kit";
import { MemoryRateLimiter } from "@jts/kit";
import { binanceCandleSource } from "./candles.ts";
import { binanceLimits } from "./constants.ts";
import { BinanceRest } from "./rest.ts";
import { BinanceSymbols } from "./symbols.ts";
import { FakeBinance } from "./testing/fake-binance.ts";

const FROM = Date.parse("2026-11-01T00:00:00Z");

describe("Binance candles for backfill", () => {
  let fake: FakeBinance;
  beforeAll(() => {
    fake = new FakeBinance().start();
  });
  afterAll(() => fake.stop());

  it("fetches a page of 1m klines in [from, to) through the rate gate", async () => {
    const gate = new RateGate(new MemoryRateLimiter(), { venue: "binance", limits: binanceLimits() });
    const rest = new BinanceRest({ baseUrl: fake.url, gate, clock: { now: () => Date.now() } });
    const source = binanceCandleSource(rest, new BinanceSymbols([{ base: "BTC", quote: "USDT" }]), "BTC-USDT", "1m");
    const candles = await source.fetch(FROM, FROM + 5 * 60_000);
    expect(candles.map((c) => c.tsOpen)).toEqual([0, 1, 2, 3, 4].map((i) => `${FROM + i * 60_000}000000`));
    expect(candles[0]).toMatchObject({ symbol: "BTC-USDT", venue: "binance", interval: "1m", trades: 7, closed: true });
    expect(fake.venue.meter.total("weight")).toBe(2);
  });

  it("runs `just backfill binance ...` end to end into chdb with a checkpoint", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jts-backfill-cli-"));
    try {
      const proc = Bun.spawn(
        ["bun", join(import.meta.dir, "backfill.ts"), "BTC-USDT", "1m", "2026-11-01T00:00:00Z", "2026-11-01T20:00:00Z"],
        {
          env: {
            ...process.env,
            REDIS_URL: "",
            BINANCE_BASE_URL: fake.url,
            CHDB_PATH: join(dir, "chdb"),
            BACKFILL_CHECKPOINT_DIR: dir,
          },
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      const [code, out, err] = await Promise.all([
        proc.exited,
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      expect(code).toBe(0);
      expect(out).toContain("binance BTC-USDT 1m: 1200 candles loaded");
      expect(err).toContain("100.0%");
      const checkpoint = JSON.parse(readFileSync(join(dir, "binance-BTC-USDT-1m.json"), "utf8"));
      expect(checkpoint).toMatchObject({ candles: 1200, doneUntilMs: Date.parse("2026-11-01T20:00:00Z") });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
