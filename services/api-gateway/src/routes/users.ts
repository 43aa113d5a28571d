import { Elysia } from "elysia";
import type { UserStates } from "../auth/user-state.ts";
import type { UserDirectory } from "../auth/users.ts";
import { IdParams, NewUserBody, UserChangeBody } from "../model.ts";
import type { RouteContext } from "./context.ts";

export interface UserRouteDeps {
  users: UserDirectory;
  /** Changes go through here: it ends the user's sessions and tells every gateway. */
  userStates: UserStates;
}

/** /api/users: an admin creates users and changes them (role, disabled, password); every change ends the user's sessions. */
export function userRoutes({ auth }: RouteContext, { users, userStates }: UserRouteDeps) {
  const adminOnly = { min: "admin", refusal: "only an admin manages users" } as const;
  return new Elysia({ prefix: "/api/users" })
    .use(auth)
    .post(
      "",
      async ({ body, set }) => {
        const created = await users.add(body.username, body.password, body.role);
        set.status = 201;
        return { username: created.username, role: created.role };
      },
      { role: adminOnly, audit: "user.create", body: NewUserBody },
    )
    .patch(
      "/:id",
      async ({ params, body }) => {
        const updated = await userStates.update(params.id, body);
        return { username: updated.username, role: updated.role, disabled: updated.disabled };
      },
      { role: adminOnly, audit: "user.update", params: IdParams, body: UserChangeBody },
    );
}
