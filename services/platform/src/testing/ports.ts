import { freePortBlock } from "@jts/kit/testing";

/** The services of a platform started as a process (main.ts), by the prefix of their `<NAME>_PORT` setting. */
export const PLATFORM_PORT_NAMES = [
  "GATEWAY",
  "STRATEGY",
  "RISK",
  "ORDER",
  "MARKET_DATA",
  "PORTFOLIO",
  "NOTIFICATION",
  "PAPER",
  "SIM",
  "WEB",
  "PG",
] as const;

/** Loopback ports for a platform started as a process: a free block of 11, away from the usual ones. */
export function platformPorts(): Record<string, string> {
  const base = freePortBlock(PLATFORM_PORT_NAMES.length);
  return Object.fromEntries(PLATFORM_PORT_NAMES.map((name, i) => [`${name}_PORT`, String(base + i)]));
}
