import { CandleQuery, LIST_PAGE_DEFAULT, OrderQuery, OrderRequest } from "@jts/contracts";
import { t } from "elysia";

export const LoginBody = t.Object({
  username: t.String({ minLength: 1, maxLength: 64 }),
  password: t.String({ minLength: 1, maxLength: 256 }),
  /** "cookie": the refresh token only in the HttpOnly cookie (browsers); "body" (default): also in the answer. */
  refreshTokenIn: t.Optional(t.Union([t.Literal("body"), t.Literal("cookie")])),
});

/** The refresh token from the body (API clients) or, when absent, from the HttpOnly cookie (browsers). */
export const RefreshBody = t.Optional(
  t.Object({ refreshToken: t.Optional(t.String({ minLength: 1, maxLength: 512 })) }),
);

export const LogoutBody = t.Optional(t.Object({ refreshToken: t.Optional(t.String({ maxLength: 512 })) }));

/** At most this many orders or fills per GET /api/orders or /api/fills (read from the OMS in rpc pages of LIST_PAGE_MAX). */
export const MAX_PUBLIC_LIST = 2000;
/** `before` in a query string: the last item's time and id, `<ns>:<id>` (the time has no colon, so the first one splits). */
export const LIST_CURSOR_PATTERN = "^\\d{1,20}:[A-Za-z0-9_.:-]{1,64}$";
/** Query strings are text: `limit` is coerced to a number here, then checked as an integer. */
const ListPageQuery = {
  limit: t.Optional(
    t.Numeric({
      minimum: 1,
      maximum: MAX_PUBLIC_LIST,
      multipleOf: 1,
      description: `How many, newest first; ${LIST_PAGE_DEFAULT} when absent. Fewer than asked: the last page.`,
    }),
  ),
  before: t.Optional(
    t.String({
      pattern: LIST_CURSOR_PATTERN,
      description:
        "The next page: `<time>:<id>` of the last item of the page before (an order's createdAt, a fill's tsEvent). Newest first by (time, id), ties broken by id as bytes; no item is lost or repeated between pages while new ones arrive.",
      examples: ["1764236400000000000:01JABCDEFGHJKMNPQRSTVWXYZ12"],
    }),
  ),
};

/** GET /api/orders: rpc order.list's filters, paged; the gateway sets `accounts` itself. */
export const OrdersQuery = t.Object({ ...t.Pick(OrderQuery, ["status", "symbol"]).properties, ...ListPageQuery });
/** GET /api/fills, paged like /api/orders. */
export const FillsPageQuery = t.Object(ListPageQuery);

export const IdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.:-]+$" }) });

/**
 * Query strings are text: `limit` is coerced to a number here, then checked as an integer.
 * At most 2000 from outside, below the contract's 5000 (strategy warm-up): 5000 one-minute
 * bars are 1-1.2 MB, at the edge of what NATS carries (1 MiB), and cost the gateway about
 * 6x a 300-bar page's CPU (65 ms vs 11 ms measured), 100 times a minute per user.
 */
export const MAX_PUBLIC_CANDLES = 2000;
export const CandlesQuery = t.Object({
  ...CandleQuery.properties,
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: MAX_PUBLIC_CANDLES })),
});

const RoleName = t.Union([t.Literal("admin"), t.Literal("trader"), t.Literal("viewer")]);
/** The length bounds only; the password policy (auth/password-policy.ts) answers 422 with its reason. */
const NewPassword = t.String({ minLength: 1, maxLength: 256 });

export const NewUserBody = t.Object({
  username: t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.-]+$" }),
  password: NewPassword,
  role: RoleName,
});

/** PATCH /api/users/:id (admin): any of these; every change ends the user's sessions. */
export const UserChangeBody = t.Object(
  { role: t.Optional(RoleName), disabled: t.Optional(t.Boolean()), password: t.Optional(NewPassword) },
  { additionalProperties: false, minProperties: 1 },
);

/** PUT /api/auth/password: the caller's own password; every session of theirs ends. */
export const PasswordChangeBody = t.Object({
  currentPassword: t.String({ minLength: 1, maxLength: 256 }),
  newPassword: NewPassword,
});

export { OrderRequest };
