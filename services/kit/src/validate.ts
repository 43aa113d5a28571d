import type { Static, TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { AppError } from "./errors.ts";

export interface Validator<S extends TSchema> {
  check(value: unknown): value is Static<S>;
  /** Returns the value typed, or throws a VALIDATION AppError listing the first problems. */
  parse(value: unknown): Static<S>;
}

/** Compiles once at factory time; checking is then a plain function call. */
export function compile<S extends TSchema>(schema: S): Validator<S> {
  const compiled = TypeCompiler.Compile(schema);
  return {
    check: (value): value is Static<S> => compiled.Check(value),
    parse(value) {
      if (compiled.Check(value)) return value;
      const problems = [...compiled.Errors(value)].slice(0, 5).map((e) => ({ path: e.path, message: e.message }));
      throw new AppError(
        "VALIDATION",
        `invalid ${schema.title ?? "input"}: ${problems[0]?.path || "/"} ${problems[0]?.message ?? ""}`.trim(),
        problems,
      );
    },
  };
}
