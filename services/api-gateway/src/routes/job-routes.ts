import { Elysia, type TSchema, t } from "elysia";
import type { AuthUser } from "../auth/users.ts";
import { IdParams } from "../model.ts";
import type { RouteContext } from "./context.ts";

/** What the routes need of a job store (backtests/job-store.ts). */
interface JobRoutesStore<Request, Run> {
  list(user: AuthUser): Run[];
  get(user: AuthUser, id: string): Promise<Run>;
  submit(user: AuthUser, request: Request): Promise<Run>;
  delete(user: AuthUser, id: string): Promise<void>;
}

/** One kind of job's resource: its path, schemas, audit names and OpenAPI texts. */
export interface JobRoutesKind<Prefix extends string, Request extends TSchema, Run extends TSchema> {
  prefix: Prefix;
  /** "backtest": the audit actions are `<name>.run` and `<name>.delete`. */
  name: string;
  /** "backtests": in the viewers' refusals. */
  plural: string;
  request: Request;
  run: Run;
  describe: { list: string; run: string; get: string; delete: string };
}

/**
 * A job resource (/api/backtests, /api/optimizations): list the caller's runs,
 * queue one (202), read one with its result, delete one (ending it first).
 * Traders and admins run and delete them; everyone reads their own (viewers
 * too: they may have runs from before a role change); admins read and delete
 * anyone's (the store checks ownership).
 *
 * The handlers' answers are cast: Elysia cannot relate a generic schema's
 * Static type to the one it infers; the `response` schemas still type the
 * routes for Eden and check every answer at run time.
 */
export function jobRoutes<const Prefix extends string, Request extends TSchema, Run extends TSchema>(
  { auth }: RouteContext,
  jobs: JobRoutesStore<Request["static"], Run["static"]>,
  kind: JobRoutesKind<Prefix, Request, Run>,
) {
  return new Elysia({ prefix: kind.prefix })
    .use(auth)
    .get("", ({ user }) => jobs.list(user) as never, {
      auth: true,
      response: t.Array(kind.run),
      detail: { description: kind.describe.list },
    })
    .post(
      "",
      async ({ user, body, set }) => {
        const run = await jobs.submit(user, body as Request["static"]);
        set.status = 202;
        return run as never;
      },
      {
        role: { min: "trader", refusal: `viewers cannot run ${kind.plural}` },
        audit: `${kind.name}.run`,
        body: kind.request,
        response: { 202: kind.run },
        detail: { description: kind.describe.run },
      },
    )
    .get("/:id", ({ user, params }) => jobs.get(user, params.id) as never, {
      auth: true,
      params: IdParams,
      response: kind.run,
      detail: { description: kind.describe.get },
    })
    .delete(
      "/:id",
      async ({ user, params, set }) => {
        await jobs.delete(user, params.id);
        set.status = 204;
      },
      {
        role: { min: "trader", refusal: `viewers cannot delete ${kind.plural}` },
        audit: `${kind.name}.delete`,
        params: IdParams,
        detail: { description: kind.describe.delete },
      },
    );
}
