/**
 * The ceiling of scenario 3: the least a Bun + Elysia gateway can do for the
 * route, run in the same bench as the platform so both see the same machine:
 *   bun bench/baselines/bare-elysia.ts   (env: PORT, JWT_SECRET, POSITIONS_FILE)
 * GET /api/positions: the Bearer JWT verified by @elysiajs/jwt (jose, HS256,
 * as the gateway does), a per-user request count (the least a rate limit
 * does), then the positions read from POSITIONS_FILE at start, as JSON.
 * No deny list, no rpc, no service hop: what is left is Bun's HTTP server,
 * Elysia's router, the signature check and JSON.stringify.
 * Prints `@@ready {"url":...}` when listening.
 */
import { readFileSync } from "node:fs";
import { jwt } from "@elysiajs/jwt";
import { Elysia } from "elysia";

const secret = process.env.JWT_SECRET;
const file = process.env.POSITIONS_FILE;
if (!secret || !file) throw new Error("bare-elysia: JWT_SECRET and POSITIONS_FILE are required");
const positions: unknown = JSON.parse(readFileSync(file, "utf8"));
const counts = new Map<string, number>();

const app = new Elysia()
  .use(jwt({ name: "jwt", secret }))
  .get("/api/positions", async ({ headers, jwt, status }) => {
    const header = headers.authorization;
    const claims = header?.startsWith("Bearer ") ? await jwt.verify(header.slice(7)) : false;
    if (!claims || typeof claims.sub !== "string") return status(401, { error: { code: "UNAUTHORIZED" } });
    counts.set(claims.sub, (counts.get(claims.sub) ?? 0) + 1);
    return positions;
  })
  .listen({ port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" });

process.stdout.write(`@@ready ${JSON.stringify({ url: `http://127.0.0.1:${app.server?.port}` })}\n`);
process.once("SIGTERM", () => {
  void app.stop().then(() => process.exit(0));
});
