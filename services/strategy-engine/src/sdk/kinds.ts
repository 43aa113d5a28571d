import type { StrategyKind, StrategyKindInfo, StrategyParams } from "@jts/contracts";
import { badRequest, compile } from "@jts/kit";
import { bollingerKind } from "../strategies/bollinger.ts";
import { donchianKind } from "../strategies/donchian.ts";
import { maCrossoverKind } from "../strategies/ma-crossover.ts";
import type { StrategyKindDefinition } from "./strategy.ts";

type AnyKind = StrategyKindDefinition<never>;

/** Every built-in kind, by name. A new kind is one entry here plus its name in the contracts. */
export const STRATEGY_KIND_DEFINITIONS: Record<StrategyKind, AnyKind> = {
  "ma-crossover": maCrossoverKind as AnyKind,
  bollinger: bollingerKind as AnyKind,
  donchian: donchianKind as AnyKind,
};

const validators = new Map(Object.entries(STRATEGY_KIND_DEFINITIONS).map(([kind, def]) => [kind, compile(def.params)]));

/** Every reason `params` are not valid for `kind`; empty when they are. */
export function paramProblems(kind: StrategyKind, params: StrategyParams): string[] {
  const definition = STRATEGY_KIND_DEFINITIONS[kind];
  const validator = validators.get(kind);
  if (!definition || !validator) return [`unknown strategy kind ${kind}`];
  try {
    validator.parse(params);
  } catch (error) {
    const details = (error as { details?: Array<{ path: string; message: string }> }).details ?? [];
    return details.map((d) => `${d.path.replace(/^\//, "") || "params"}: ${d.message}`);
  }
  return definition.check?.(params as never) ?? [];
}

/** Throws a 400 listing the reasons when `params` do not suit `kind`. */
export function checkParams(kind: StrategyKind, params: StrategyParams): void {
  const problems = paramProblems(kind, params);
  if (problems.length > 0) throw badRequest(`invalid ${kind} parameters: ${problems.join("; ")}`, { problems });
}

export function kindOf(kind: StrategyKind): StrategyKindDefinition<StrategyParams> {
  return STRATEGY_KIND_DEFINITIONS[kind] as unknown as StrategyKindDefinition<StrategyParams>;
}

/** Every kind with its description and parameter schema (plain JSON Schema: TypeBox schemas are). */
export function kindInfos(): StrategyKindInfo[] {
  return Object.values(STRATEGY_KIND_DEFINITIONS).map((d) => ({
    kind: d.kind,
    description: d.description,
    params: JSON.parse(JSON.stringify(d.params)),
  }));
}
