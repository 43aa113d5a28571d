import { RpcReplies, Subjects } from "@jts/contracts";
import { Elysia } from "elysia";
import type { RouteContext } from "./context.ts";

/**
 * /api/telegram/link: linking a Telegram chat to the caller, for the
 * notification service's two-way bot. POST answers a one-time code (valid
 * TELEGRAM_LINK_CODE_TTL_MS, 10 min by default) that the user sends to the
 * bot as `/link <code>`; the chat then acts as this user with the role they
 * have now (a later change to the user drops the link). DELETE forgets every
 * chat linked to the caller. Every role may link (a viewer reads; the bot
 * applies the same rights as these routes).
 */
export function telegramRoutes({ auth, call }: RouteContext) {
  return new Elysia({ prefix: "/api/telegram" })
    .use(auth)
    .post("/link", ({ user }) => call(Subjects.telegramLinkCode, { user: user.username, role: user.role }), {
      audit: "telegram.link",
      response: RpcReplies[Subjects.telegramLinkCode],
      detail: {
        description:
          "A one-time code linking a Telegram chat to the caller: send `/link <code>` to the platform's bot before `expiresAt`.",
      },
    })
    .delete("/link", ({ user }) => call(Subjects.telegramUnlink, { user: user.username }), {
      audit: "telegram.unlink",
      response: RpcReplies[Subjects.telegramUnlink],
      detail: { description: "Unlinks every Telegram chat linked to the caller; `unlinked` is how many." },
    });
}
