/**
 * Attacker review of issue 14, finding 6: `bun web/server.ts` listened on
 * 0.0.0.0 unless told otherwise, so a laptop running it offered the PWA and its
 * /api proxy to the whole network. It binds 127.0.0.1 unless JTS_WEB_HOST says
 * otherwise (compose sets 0.0.0.0 inside the web container).
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../../../..");
/** An address of this machine that is not loopback (where another host would connect). */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === "IPv4")?.address;

let dist: string;
beforeAll(() => {
  dist = mkdtempSync(join(tmpdir(), "jts-web-bind-"));
  writeFileSync(join(dist, "index.html"), "<!doctype html><title>JTS</title>");
});
afterAll(() => rmSync(dist, { recursive: true, force: true }));

/** Starts web/server.ts with exactly `env` (plus a free port and the dist dir); answers its port and a stop. */
async function startWeb(env: Record<string, string>) {
  const child = Bun.spawn(["bun", join(ROOT, "web/server.ts")], {
    env: { PATH: process.env.PATH ?? "", JTS_WEB_PORT: "0", JTS_WEB_DIST: dist, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = child.stdout.getReader();
  let text = "";
  while (!/serving on port \d+/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`web server exited: ${await new Response(child.stderr).text()}`);
    text += new TextDecoder().decode(value);
  }
  const port = Number(/serving on port (\d+)/.exec(text)?.[1]);
  return { port, stop: () => child.kill() };
}

const reachable = (host: string, port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect(port, host, () => {
      socket.destroy();
      done(true);
    });
    socket.on("error", () => done(false));
  });

describe.skipIf(!outside)(
  `the PWA server's interface${outside ? "" : " (skipped: no non-loopback address here)"}`,
  () => {
    it("is loopback unless JTS_WEB_HOST is set", async () => {
      const web = await startWeb({});
      try {
        expect(await reachable("127.0.0.1", web.port)).toBe(true);
        expect(await reachable(outside as string, web.port)).toBe(false);
      } finally {
        web.stop();
      }
    }, 30_000);

    it("listens wider when configured (as compose does), so the check above can tell", async () => {
      const web = await startWeb({ JTS_WEB_HOST: "0.0.0.0" });
      try {
        expect(await reachable(outside as string, web.port)).toBe(true);
      } finally {
        web.stop();
      }
    }, 30_000);
  },
);
