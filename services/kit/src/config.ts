/**
 * Configuration comes from the environment only, is validated once at start,
 * and fails with every problem listed at once. Development gets working
 * defaults; production (JTS_ENV=production) refuses a secret that is missing,
 * a placeholder, a development default or weak (checkSecret), and state kept
 * in memory where it must survive a restart. An unknown JTS_ENV is an error:
 * a typo must not fall back to development and its public secrets.
 *
 * Every variable can also come from a file: `<NAME>_FILE` names it (the Docker
 * and compose secrets convention, /run/secrets/<name>); see envValue.
 */
import { readFileSync, statSync } from "node:fs";

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

/** The suffix of a variable that names a file holding the value (JWT_SECRET_FILE for JWT_SECRET). */
export const FILE_SUFFIX = "_FILE";

/**
 * The value of `name`: the variable itself, or the contents of the file that
 * `<name>_FILE` names, its one trailing newline stripped (`echo secret > file`
 * writes one; a value never ends in one). Both set is an error rather than a
 * silent choice: which of two secrets is live would be a guess. An empty
 * variable counts as unset (compose passes `X: ${X:-}` as ""). An unreadable
 * file is an error that names the file, never a fallback to a default. Whatever
 * the source, the value then meets the same rules (production refuses a
 * placeholder or a weak secret read from a file as from the environment). Only a
 * regular file of at most 64 KiB is read: a device would hang the start.
 */
export function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const direct = env[name];
  const path = env[`${name}${FILE_SUFFIX}`];
  if (path === undefined || path === "") return direct;
  if (direct !== undefined && direct !== "")
    throw new Error(`${name} and ${name}${FILE_SUFFIX} are both set: keep one (the file, for a secret)`);
  let content: string;
  try {
    // A device or FIFO (/dev/zero, /dev/stdin) would hang the start or fill the memory: files only.
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error(`${name}${FILE_SUFFIX}: ${path} is not a regular file`);
    if (stat.size > MAX_FILE_BYTES)
      throw new Error(`${name}${FILE_SUFFIX}: ${path} is larger than ${MAX_FILE_BYTES} bytes`);
    content = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code) throw error;
    throw new Error(`${name}${FILE_SUFFIX}: cannot read ${path} (${code})`);
  }
  return content.replace(/\r?\n$/, "");
}

/** A value file is a secret or a setting, never more than this. */
const MAX_FILE_BYTES = 64 * 1024;

/**
 * A field's refusal of a value read from a file, with the value replaced by where it
 * came from: a setting pointed at a secret's file by mistake must not print the secret.
 */
function withoutFileContent(message: string, value: string | undefined, path: string | undefined): string {
  if (!path || !value) return message;
  const where = `(the content of ${path})`;
  return message.replaceAll(JSON.stringify(value), where).replaceAll(value, where);
}

/** JTS_ADMIN_USER when not set, in every service that reads it: the gateway's first admin, the operator chat's user. */
export const DEFAULT_ADMIN_USER = "admin";

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

/** A text whose default differs in production (e.g. no localhost origins there). */
export function strByMode(devDefault: string, productionDefault: string): Field<string> {
  return {
    read: (raw, _name, mode) =>
      raw === undefined || raw === "" ? (mode === "production" ? productionDefault : devDefault) : raw,
  };
}

export interface OneOfOptions<T extends string> {
  /** A value refused in production, and why (e.g. "memory": state that must survive a restart). */
  notInProduction?: { value: T; why: string };
}

export function oneOf<const T extends string>(
  values: readonly T[],
  defaultValue: T,
  options: OneOfOptions<T> = {},
): Field<T> {
  return {
    read(raw, name, mode) {
      const value = raw === undefined || raw === "" ? defaultValue : (raw as T);
      if (!values.includes(value))
        throw new Error(`${name} must be one of ${values.join(", ")}, got ${JSON.stringify(raw)}`);
      const refused = options.notInProduction;
      if (mode === "production" && refused && value === refused.value)
        throw new Error(`${name}=${value} is refused in production: ${refused.why}`);
      return value;
    },
  };
}

/**
 * A connection URL that is optional in development (empty: the state lives in
 * memory) and required in production, where `what` must survive a restart.
 */
export function durableStoreUrl(what: string): Field<string> {
  return {
    read(raw, name, mode) {
      const value = raw ?? "";
      if (mode === "production" && value === "")
        throw new Error(
          `${name} is required in production: without it ${what} would be kept in memory and lost on restart`,
        );
      return value;
    },
  };
}

export interface SecretRules {
  /** Shortest accepted length. */
  minLength: number;
  /** Least estimated entropy in bits (length x log2 of the alphabet its character classes span). */
  minBits?: number;
  /** The public development default, refused as a value. */
  devDefault?: string;
}

/** Marks of a placeholder: every value in .env.example carries "CHANGE-ME" and "example". */
const PLACEHOLDER = /change-?me|example|placeholder|not-a-real/i;

const CHARACTER_CLASSES = [
  { name: "lower case", size: 26, test: /[a-z]/ },
  { name: "upper case", size: 26, test: /[A-Z]/ },
  { name: "digits", size: 10, test: /[0-9]/ },
  { name: "symbols", size: 33, test: /[^a-zA-Z0-9]/ },
] as const;

/**
 * Why `value` is not fit to be the production secret `name`, or undefined when
 * it is. The one check of every production secret (JWT key, bootstrap admin
 * password, service credentials): refuses empty values, placeholders
 * (.env.example's CHANGE-ME values), the development default, and weak values:
 * too short, too few distinct characters (a repeated pattern), or too little
 * entropy for the character classes it uses (64 hex digits pass; 40 x's,
 * "Password1234" do not). The message says which rule failed and how to fix it.
 */
export function checkSecret(name: string, value: string | undefined, rules: SecretRules): string | undefined {
  if (value === undefined || value === "") return `${name} is required in production`;
  if (rules.devDefault !== undefined && value === rules.devDefault)
    return `${name} is the development default; set a real secret`;
  if (PLACEHOLDER.test(value))
    return `${name} is still a placeholder (CHANGE-ME/example value from .env.example); set a real secret`;
  if (value.length < rules.minLength)
    return `${name} must be at least ${rules.minLength} characters in production (it has ${value.length})`;
  const distinct = new Set(value).size;
  const neededDistinct = Math.min(10, Math.ceil(value.length / 2));
  if (distinct < neededDistinct)
    return `${name} has only ${distinct} distinct characters (a repeated pattern); use at least ${neededDistinct}, e.g. openssl rand -hex 32`;
  const classes = CHARACTER_CLASSES.filter((c) => c.test.test(value));
  const alphabet = classes.reduce((n, c) => n + c.size, 0);
  const bits = Math.floor(value.length * Math.log2(alphabet));
  const minBits = rules.minBits ?? 0;
  if (bits < minBits)
    return (
      `${name} is too weak: about ${bits} bits for ${value.length} characters of ${classes.map((c) => c.name).join(", ")}; ` +
      `needs ${minBits}: make it longer or mix lower and upper case, digits and symbols (e.g. openssl rand -hex 32)`
    );
  return undefined;
}

/**
 * A secret: the dev default is allowed outside production only; in
 * production checkSecret's rules hold. `minBits` defaults to 128 for keys of
 * 32+ characters (machine-made) and 64 for shorter ones (passwords).
 */
export function secret(devDefault: string, minLength = 16, minBits = minLength >= 32 ? 128 : 64): Field<string> {
  return {
    read(raw, name, mode) {
      if (mode !== "production") return raw === undefined || raw === "" ? devDefault : raw;
      const problem = checkSecret(name, raw, { minLength, minBits, devDefault });
      if (problem) throw new Error(problem);
      return raw as string;
    },
  };
}

type Spec = Record<string, Field<unknown>>;
export type ConfigOf<S extends Spec> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never } & { mode: RunMode };

const RUN_MODES: readonly RunMode[] = ["development", "test", "production"];

/**
 * JTS_ENV, else NODE_ENV, else development. An unknown JTS_ENV is a
 * ConfigError ("prod" must not run on development secrets); NODE_ENV, which
 * other tools set too, falls back to development unless it says production.
 */
export function runMode(env: Record<string, string | undefined> = process.env): RunMode {
  const jtsEnv = env.JTS_ENV;
  if (jtsEnv !== undefined && jtsEnv !== "") {
    if (!RUN_MODES.includes(jtsEnv as RunMode))
      throw new ConfigError([`JTS_ENV must be one of ${RUN_MODES.join(", ")}, got ${JSON.stringify(jtsEnv)}`]);
    return jtsEnv as RunMode;
  }
  const nodeEnv = env.NODE_ENV;
  if (nodeEnv === "production" || nodeEnv === "test") return nodeEnv;
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
    let raw: string | undefined;
    try {
      raw = envValue(env, name);
      values[name] = field.read(raw, name, mode);
    } catch (error) {
      problems.push(withoutFileContent((error as Error).message, raw, env[`${name}${FILE_SUFFIX}`]));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as ConfigOf<S>;
}
