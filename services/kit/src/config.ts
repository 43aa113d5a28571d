/**
 * Configuration comes from the environment only, is validated once at start,
 * and fails with every problem listed at once. Development gets working
 * defaults; production (JTS_ENV=production) refuses a secret that is missing,
 * too short, or still the development default.
 */
export type RunMode = "development" | "test" | "production";

interface Field<T> {
  read(raw: string | undefined, name: string, mode: RunMode): T;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

export function str(defaultValue: string): Field<string> {
  return { read: (raw) => (raw === undefined || raw === "" ? defaultValue : raw) };
}

export function int(defaultValue: number, range: { min?: number; max?: number } = {}): Field<number> {
  return {
    read(raw, name) {
      if (raw === undefined || raw === "") return defaultValue;
      const value = Number(raw);
      if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
      if (range.min !== undefined && value < range.min) throw new Error(`${name} must be >= ${range.min}`);
      if (range.max !== undefined && value > range.max) throw new Error(`${name} must be <= ${range.max}`);
      return value;
    },
  };
}

export function oneOf<const T extends string>(values: readonly T[], defaultValue: T): Field<T> {
  return {
    read(raw, name) {
      if (raw === undefined || raw === "") return defaultValue;
      if (!values.includes(raw as T))
        throw new Error(`${name} must be one of ${values.join(", ")}, got ${JSON.stringify(raw)}`);
      return raw as T;
    },
  };
}

/** A secret: the dev default is allowed outside production only. */
export function secret(devDefault: string, minLength = 16): Field<string> {
  return {
    read(raw, name, mode) {
      if (mode !== "production") return raw === undefined || raw === "" ? devDefault : raw;
      if (raw === undefined || raw === "") throw new Error(`${name} is required in production`);
      if (raw === devDefault) throw new Error(`${name} is the development default; set a real secret`);
      if (raw.length < minLength) throw new Error(`${name} must be at least ${minLength} characters in production`);
      return raw;
    },
  };
}

type Spec = Record<string, Field<unknown>>;
export type ConfigOf<S extends Spec> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never } & { mode: RunMode };

export function runMode(env: Record<string, string | undefined> = process.env): RunMode {
  const raw = env.JTS_ENV ?? env.NODE_ENV;
  if (raw === "production" || raw === "test") return raw;
  return "development";
}

export function loadConfig<S extends Spec>(
  spec: S,
  env: Record<string, string | undefined> = process.env,
): ConfigOf<S> {
  const mode = runMode(env);
  const problems: string[] = [];
  const values: Record<string, unknown> = { mode };
  for (const [name, field] of Object.entries(spec)) {
    try {
      values[name] = field.read(env[name], name, mode);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as ConfigOf<S>;
}
