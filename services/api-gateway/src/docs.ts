import { dirname, join } from "node:path";
import { openapi } from "@elysiajs/openapi";
import { Elysia, t } from "elysia";

/** The Swagger UI files served by the gateway itself: the docs work with no internet. */
const swaggerDir = dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));
const ASSETS = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
} as const;

/**
 * OpenAPI 3 at /docs (UI) and /docs/json (document), generated from the
 * routes' TypeBox schemas. The plugin's page loads Swagger UI from a CDN by
 * default; here both files come from the swagger-ui-dist package.
 */
export function apiDocs() {
  return new Elysia({ name: "gateway.docs" })
    .get(
      "/docs/assets/:file",
      ({ params, set }) => {
        // Own keys only: "constructor" or "__proto__" must not find Object.prototype's members.
        const type = Object.hasOwn(ASSETS, params.file) ? ASSETS[params.file as keyof typeof ASSETS] : undefined;
        if (!type) {
          set.status = 404;
          return { error: { code: "NOT_FOUND", message: `no docs asset ${params.file}` } };
        }
        set.headers["content-type"] = type;
        set.headers["cache-control"] = "public, max-age=86400";
        return Bun.file(join(swaggerDir, params.file));
      },
      { params: t.Object({ file: t.String() }), detail: { hide: true } },
    )
    .use(
      openapi({
        path: "/docs",
        specPath: "/docs/json",
        provider: "swagger-ui",
        exclude: { paths: ["/docs/assets/:file", "/metrics"] },
        swagger: { theme: "/docs/assets/swagger-ui.css", cdn: "/docs/assets/swagger-ui-bundle.js", autoDarkMode: true },
        documentation: {
          info: {
            title: "JTS gateway API",
            version: "1",
            description:
              "The v1 API of JTS. Errors are `{ error: { code, message, details? } }`. Prices and quantities are decimal strings; times are nanoseconds since the epoch as digit strings.",
          },
          components: {
            securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
          },
          security: [{ bearer: [] }],
        },
      }),
    );
}
