import { RpcReplies, Subjects } from "@jts/contracts";
import { Elysia } from "elysia";
import { CandlesQuery } from "../model.ts";
import type { RouteContext } from "./context.ts";

/** Market data for anyone logged in: instruments, last prices, candles. Under `/api`: three top-level paths. */
export function marketRoutes({ auth, call }: RouteContext) {
  return new Elysia({ prefix: "/api" })
    .use(auth)
    .get("/instruments", () => call(Subjects.instruments), { auth: true, response: RpcReplies[Subjects.instruments] })
    .get("/prices", () => call(Subjects.prices), { auth: true, response: RpcReplies[Subjects.prices] })
    .get("/candles", ({ query }) => call(Subjects.candles, query), {
      auth: true,
      query: CandlesQuery,
      response: RpcReplies[Subjects.candles],
    });
}
