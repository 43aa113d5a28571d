import { Venue } from "@jts/contracts";
import { ConfigError, compile } from "@jts/kit";
import type { AccountSeed } from "./ledger.ts";

const venue = compile(Venue);

/**
 * Extra accounts from configuration, e.g. JTS_EXTRA_ACCOUNTS=
 * "paper-usdt:admin:paper:USDT:10000,paper-usd:alice:sim:USD:5000"
 * (id:owner:venue:base currency:starting cash, comma-separated). A malformed
 * entry stops the start with the entry named, instead of seeding half a book.
 */
export function parseAccountSeeds(spec: string): AccountSeed[] {
  return spec
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => {
      const [id, owner, venueName, baseCurrency, startingCash, ...rest] = entry.split(":");
      const valid =
        rest.length === 0 &&
        /^[A-Za-z0-9_-]{1,64}$/.test(id ?? "") &&
        owner &&
        venue.check(venueName) &&
        /^[A-Z]{2,6}$/.test(baseCurrency ?? "") &&
        /^\d{1,20}(\.\d{1,9})?$/.test(startingCash ?? "");
      if (!valid) throw new ConfigError([`account seed "${entry}" is not id:owner:venue:CURRENCY:cash`]);
      return { id, owner, venue: venueName, baseCurrency, startingCash } as AccountSeed;
    });
}
