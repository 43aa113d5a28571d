import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { connectPostgres, type Sql, startTestPostgres, type TestPostgres, truncateAll } from "@jts/kit/postgres";
import { PostgresUserDirectory } from "./postgres-users.ts";
import { userDirectoryContract } from "./testing/user-directory-contract.ts";

let pg: TestPostgres;
let other: Sql;
beforeAll(async () => {
  pg = await startTestPostgres();
  // A second pool, as a second gateway process would have.
  other = connectPostgres(pg.url, { max: 4 });
});
afterAll(async () => {
  await other.end({ timeout: 1 });
  await pg.stop();
});

userDirectoryContract("postgres", async () => {
  await truncateAll(pg.sql);
  return { directory: new PostgresUserDirectory(pg.sql), reopen: () => new PostgresUserDirectory(other) };
});

describe("PostgresUserDirectory", () => {
  it("refuses a disabled user's right password", async () => {
    await truncateAll(pg.sql);
    const users = new PostgresUserDirectory(pg.sql);
    await users.add("frank", "frank-password-1", "trader");
    await pg.sql`UPDATE users SET disabled = true WHERE username = 'frank'`;
    expect(await users.verify("frank", "frank-password-1")).toBeNull();
    expect((await users.find("frank"))?.role).toBe("trader");
  });

  it("treats a stored value that is not a hash as a wrong password, not an error", async () => {
    await truncateAll(pg.sql);
    await pg.sql`INSERT INTO users (username, password_hash, role) VALUES ('grace', 'not-a-hash', 'viewer')`;
    expect(await new PostgresUserDirectory(pg.sql).verify("grace", "not-a-hash")).toBeNull();
  });
});
