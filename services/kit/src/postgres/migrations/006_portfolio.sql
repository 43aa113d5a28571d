-- The portfolio's tables as portfolio-tracker uses them
-- (services/portfolio-tracker/src/postgres-repository.ts).

-- accounts.owner names a user but no longer requires the users row. Users
-- belong to the gateway and accounts to the portfolio, which seeds the paper
-- account on its first start, possibly before the gateway created its
-- bootstrap admin or against a gateway with its users elsewhere; the portfolio
-- cannot create the user itself (it has no password to give it). Like
-- orders.account (002), the name is a reference checked where it is used: the
-- gateway shows a user the accounts whose owner is their username. A renamed
-- user no longer carries their accounts along (users are disabled, not
-- renamed or deleted).
ALTER TABLE accounts DROP CONSTRAINT accounts_owner_fkey;

-- "The order they were opened" for positions, like orders.seq and fills.seq.
ALTER TABLE positions ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;
