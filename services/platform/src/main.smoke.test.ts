import { describe, expect, it } from "bun:test";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

const mainPath = resolve(import.meta.dir, "main.ts");
const webBuilt = existsSync(resolve(import.meta.dir, "../../../web/dist/index.html"));

/** Collects a child's stdout until `needle` shows up. */
async function readUntil(stream: ReadableStream<Uint8Array>, needle: string, timeoutMs: number): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  while (!text.includes(needle)) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => null)]);
    if (!chunk || chunk.done) break;
    text += decoder.decode(chunk.value);
  }
  reader.releaseLock();
  return text;
}

describe("just dev (services/platform/src/main.ts)", () => {
  it("starts every service on its port, prints the URLs and login, and stops cleanly on Ctrl-C", async () => {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const names = [
      "GATEWAY",
      "STRATEGY",
      "RISK",
      "ORDER",
      "MARKET_DATA",
      "PORTFOLIO",
      "NOTIFICATION",
      "PAPER",
      "SIM",
      "WEB",
    ];
    const env: Record<string, string> = { ...process.env, LOG_LEVEL: "warn" } as Record<string, string>;
    names.forEach((name, i) => {
      env[`${name}_PORT`] = String(base + i);
    });
    const child = Bun.spawn(["bun", mainPath], { env, stdout: "pipe", stderr: "inherit" });
    try {
      const banner = await readUntil(child.stdout, "strategy-engine", 20_000);
      expect(banner).toContain("JTS is running");
      expect(banner).toContain("login: admin / ");
      for (let i = 0; i < names.length - 1; i++) {
        const res = await fetch(`http://127.0.0.1:${base + i}/health`);
        expect({ port: base + i, status: res.status }).toEqual({ port: base + i, status: 200 });
      }
      if (webBuilt) {
        const page = await fetch(`http://127.0.0.1:${base + 9}/`);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain("<html");
      }
    } finally {
      child.kill("SIGINT");
    }
    const code = await Promise.race([child.exited, Bun.sleep(10_000).then(() => "still running")]);
    expect(code).toBe(0);
  }, 40_000);
});
