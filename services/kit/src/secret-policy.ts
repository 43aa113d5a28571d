/**
 * The one judge of whether a secret may guard production. Every production
 * secret (the service credential here; JWT and others as their owners adopt
 * it) goes through `weakSecretReason`, so the rules live in one place and are
 * tightened in one place.
 */

/** Values that only a copy of an example file or a demo would hold. */
const PLACEHOLDER = /change-?me|example|placeholder|dev-secret|do-not-use|secret123|password/i;

/** Roughly 128 bits: what a random 22-character base64 or 32-character hex string gives. */
export const MIN_SECRET_BITS = 128;

/** Estimated entropy of `value` as if drawn uniformly from the character classes it uses. */
export function secretBits(value: string): number {
  let pool = 0;
  if (/[a-z]/.test(value)) pool += 26;
  if (/[A-Z]/.test(value)) pool += 26;
  if (/[0-9]/.test(value)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(value)) pool += 33;
  return pool === 0 ? 0 : value.length * Math.log2(pool);
}

/**
 * Why `value` must not guard production, or null when it may. Reasons name
 * the rule so an operator knows what to generate instead
 * (`openssl rand -base64 32`).
 */
export function weakSecretReason(value: string | undefined, minLength = 24): string | null {
  if (value === undefined || value === "") return "is missing";
  if (PLACEHOLDER.test(value)) return "is a placeholder or example value";
  if (value.length < minLength) return `is shorter than ${minLength} characters`;
  // A long run of few characters ("aaaa...", "abcabc...") scores high on length alone.
  if (new Set(value).size < 10) return "repeats too few distinct characters to be random";
  const bits = secretBits(value);
  if (bits < MIN_SECRET_BITS)
    return `has about ${Math.floor(bits)} bits of entropy, below ${MIN_SECRET_BITS} (use more characters or more character classes)`;
  return null;
}
