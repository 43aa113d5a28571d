/**
 * Issue 14, item 9: `GET :5173/%00` (NUL reached Bun.file) and
 * `GET :3000/docs/assets/constructor` (an object-key lookup found
 * Object.prototype's members) answered 500 with Bun's development error page,
 * which shows absolute paths and stack traces. They answer 400/404 now, in the
 * error shape, and no server runs Bun's development mode.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { resolve } from "node:path";
import { bootEdgePlatform, type EdgePlatform } from "./edges-harness.ts";

let p: EdgePlatform;
beforeAll(async () => {
  p = await bootEdgePlatform();
}, 60_000);
afterAll(() => p.stop());

const ROOT = resolve(import.meta.dir, "../../../..");

async function expectCleanError(url: string, status: number) {
  const res = await fetch(url);
  const text = await res.text();
  expect({ url, status: res.status }).toEqual({ url, status });
  expect(res.headers.get("content-type")).toContain("application/json");
  expect(text).not.toContain("<!doctype");
  expect(text).not.toContain(ROOT);
  expect(text).not.toContain("    at ");
  return JSON.parse(text) as { error: { code: string; message: string } };
}

describe("odd paths answer 4xx, never a development error page (issue 14 #9)", () => {
  it("the PWA server refuses NUL and other control characters in the path with 400", async () => {
    for (const path of ["/%00", "/assets/%00.js", "/%01", "/x%0a", "/%7f"])
      expect((await expectCleanError(`${p.web}${path}`, 400)).error.code).toBe("BAD_REQUEST");
  }, 60_000);

  it("the PWA server still answers a missing asset with 404 and a client route with the shell", async () => {
    await expectCleanError(`${p.web}/assets/missing.js`, 404);
    const shell = await fetch(`${p.web}/markets`);
    expect(shell.status).toBe(200);
    expect(await shell.text()).toContain("<title>JTS</title>");
  }, 60_000);

  it("the gateway's docs assets answer 404 for Object.prototype's names", async () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"])
      expect((await expectCleanError(`${p.api}/docs/assets/${name}`, 404)).error.code).toBe("NOT_FOUND");
    const css = await fetch(`${p.api}/docs/assets/swagger-ui.css`);
    expect(css.status).toBe(200);
    await css.arrayBuffer();
  }, 60_000);

  it("a service's own port answers an odd path with 404 in the error shape", async () => {
    for (const url of [`${p.api}/%00`, `${p.platform.urls["risk-management"]}/constructor`, `${p.api}/api/__proto__`])
      await expectCleanError(url, 404);
  }, 60_000);
});
