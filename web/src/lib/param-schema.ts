import type { StrategyParams } from "@jts/contracts";

/** One input of the "new strategy" form, read from a strategy kind's parameter JSON Schema. */
export interface ParamField {
  name: string;
  /** How the typed text becomes the JSON value the kind's schema checks. */
  type: "integer" | "number" | "boolean" | "string";
  required: boolean;
  description: string | null;
  /** What the schema allows, for the label: "1 to 500", "> 0", "decimal". */
  hint: string | null;
}

type JsonSchema = {
  type?: unknown;
  description?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  exclusiveMinimum?: unknown;
  pattern?: unknown;
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

function hintOf(schema: JsonSchema): string | null {
  const low = typeof schema.minimum === "number" ? schema.minimum : null;
  const high = typeof schema.maximum === "number" ? schema.maximum : null;
  const above = typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum : null;
  if (low !== null && high !== null) return `${low} to ${high}`;
  if (above !== null) return high !== null ? `> ${above}, up to ${high}` : `> ${above}`;
  if (low !== null) return `at least ${low}`;
  if (high !== null) return `up to ${high}`;
  if (typeof schema.pattern === "string") return "decimal";
  return null;
}

/**
 * A property's JSON type. Elysia rewrites an integer or number schema it has
 * validated with into `anyOf: [{type: "string", format: "integer"}, {type: "integer"}]`
 * (its query-string coercion), and the strategy engine publishes that
 * rewritten schema: the numeric branch decides then, or "5" and "20" would
 * be sent as text.
 */
function typeOf(field: JsonSchema & { anyOf?: unknown }): ParamField["type"] {
  const numeric = (type: unknown) => type === "integer" || type === "number" || type === "boolean";
  if (numeric(field.type)) return field.type as ParamField["type"];
  const branches = Array.isArray(field.anyOf) ? field.anyOf.filter(isObject) : [];
  const branch = branches.find((b) => numeric(b.type));
  return branch ? (branch.type as ParamField["type"]) : "string";
}

/**
 * The fields of an object schema (what the strategy engine publishes per kind).
 * The server checks the values against the same schema; this only decides
 * which inputs to show and how to type their text.
 */
export function paramFields(schema: unknown): ParamField[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === "string") : []);
  return Object.entries(schema.properties).map(([name, property]) => {
    const field = (isObject(property) ? property : {}) as JsonSchema;
    const type = typeOf(field);
    return {
      name,
      type,
      required: required.has(name),
      description: typeof field.description === "string" ? field.description : null,
      hint: hintOf(field),
    };
  });
}

/**
 * The typed-in text as the kind's JSON values. Empty fields are left out so
 * the server names the missing required ones; a number that does not parse
 * is sent as text, so the server's reason names it too.
 */
export function paramValues(fields: ParamField[], text: Record<string, string>): StrategyParams {
  const params: StrategyParams = {};
  for (const field of fields) {
    const raw = (text[field.name] ?? "").trim();
    if (field.type === "boolean") params[field.name] = raw === "true";
    else if (raw === "") continue;
    else if (field.type === "string") params[field.name] = raw;
    else params[field.name] = Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return params;
}
