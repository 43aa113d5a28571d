/**
 * Issue 14, item 9: `GET :5173/%00` (NUL reached Bun.file) and
 * `GET :3000/docs/assets/constructor` (an object-key lookup found
 * Object.prototype's members) answered 500 with Bun's development error page,
 * which shows absolute paths and stack traces. They answer 400/404 now, in the
 * error shape, and no server runs Bun's development mode.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { connect } from "node:net";
import { resolve } from "node:path";
import { bootEdgePlatform, type EdgePlatform } from "./harness.ts";

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

/** A raw request as written (HTTP/1.0 with no Host header: fetch always sends one). */
function raw(base: string, text: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((done, fail) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    socket.on("error", fail);
    socket.on("end", () => {
      const [head = "", body = ""] = answer.split("\r\n\r\n");
      done({ status: Number(head.split(" ")[1]), body });
    });
  });
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

  it("a request without Host (HTTP/1.0) gets 400 everywhere, not a 500 (attacker review 4)", async () => {
    const targets = [p.api, p.platform.urls["risk-management"] as string, p.web];
    for (const base of targets)
      for (const path of ["/health", "/api/prices", "/"]) {
        const answer = await raw(base, `GET ${path} HTTP/1.0\r\n\r\n`);
        expect({ base, path, status: answer.status }).toEqual({ base, path, status: 400 });
        expect(JSON.parse(answer.body).error.message).toContain("Host");
      }
    // State changes too, before the internal plane or the gateway's CORS read the URL.
    const put = await raw(
      p.platform.urls["risk-management"] as string,
      'PUT /risk/state HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: 18\r\n\r\n{"state":"ACTIVE"}',
    );
    expect(put.status).toBe(400);
    const preflight = await raw(p.api, "OPTIONS /api/orders HTTP/1.0\r\norigin: http://evil.example\r\n\r\n");
    expect(preflight.status).toBe(400);
  }, 60_000);
});
