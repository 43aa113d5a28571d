import { afterEach, describe, expect, it } from "bun:test";
import type { Alert } from "@jts/contracts";
import type { Server } from "bun";
import { PermanentError } from "../retry.ts";
import { telegramChannel } from "./telegram.ts";

const alert: Alert = {
  id: "alert-9",
  severity: "CRITICAL",
  kind: "VENUE_DISCONNECTED",
  title: "Venue upbit disconnected",
  message: "socket closed",
  account: null,
  tsEvent: "1764236400000000000",
};

let server: Server<undefined> | undefined;
afterEach(() => server?.stop(true));

describe("Telegram channel", () => {
  it("calls sendMessage of a local fake Bot API with the chat and the alert text", async () => {
    const calls: Array<{ path: string; body: Record<string, unknown> }> = [];
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const path = new URL(req.url).pathname;
        calls.push({ path, body: (await req.json()) as Record<string, unknown> });
        if (path !== "/bot123:ABC/sendMessage") return Response.json({ ok: false }, { status: 404 });
        return Response.json({ ok: true, result: { message_id: 1 } });
      },
    });
    await telegramChannel({ botToken: "123:ABC", chatId: "-1001", baseUrl: `http://127.0.0.1:${server.port}/` }).send(
      alert,
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]?.path).toBe("/bot123:ABC/sendMessage");
    expect(calls[0]?.body).toMatchObject({ chat_id: "-1001" });
    expect(calls[0]?.body.text).toBe(
      "[CRITICAL] Venue upbit disconnected\nsocket closed\n(platform, VENUE_DISCONNECTED)",
    );
  });

  it("retries a rate limit, gives up on a wrong token, and never puts the token in the error", async () => {
    const statuses = [429, 401];
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => Response.json({ ok: false, description: "nope" }, { status: statuses.shift() }),
    });
    const channel = telegramChannel({
      botToken: "999:SECRET",
      chatId: "1",
      baseUrl: `http://127.0.0.1:${server.port}`,
    });
    const limited = await channel.send(alert).catch((e: Error) => e);
    expect(limited).not.toBeInstanceOf(PermanentError);
    const refused = await channel.send(alert).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(PermanentError);
    expect(`${(limited as Error).message} ${(refused as Error).message}`).not.toContain("SECRET");
  });
});
