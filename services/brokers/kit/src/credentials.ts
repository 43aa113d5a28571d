import { secret } from "@jts/kit";
import { VenueError } from "./errors.ts";

/**
 * A venue API key or secret in a connector's config spec: the kit's
 * `secret()`, so there is one rule for every venue. Outside production it may
 * be empty (market data needs no key; tests point at fakes); in production
 * (JTS_ENV=production) it is required and must pass `checkSecret` (not a
 * placeholder, at least 16 characters, not a repeated pattern).
 */
export const venueCredential = () => secret("", 16);

/**
 * The credentials a signed call needs, each by its environment name, or a
 * `rejected` VenueError naming every one that is empty: nothing was sent, so
 * the OMS reads it as a refusal. Every connector's signer asks here.
 */
export function requireCredentials<const K extends string>(
  venue: string,
  credentials: Record<K, string | undefined>,
): Record<K, string> {
  const missing = Object.entries(credentials)
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) throw new VenueError(venue, "rejected", `${missing.join(", ")} not set`);
  return credentials as Record<K, string>;
}
